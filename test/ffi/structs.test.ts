// Encode/decode of the struct helpers without syscalls: byte order (network vs host) and the rule that decoders of
// kernel/peer data report malformed input instead of throwing.
import { describe, expect, test } from "bun:test";
import * as C from "../../ffi/constants.ts";
import * as s from "../../ffi/structs/index.ts";

describe("byte order", () => {
  test("itimerspec: a one-shot wait keeps its nanoseconds, interval zero", () => {
    const b = new Uint8Array(s.itimerspec.SIZE).fill(0xff);
    s.itimerspec.encodeOneShot(b, 3_453_125_001);
    const words = new BigInt64Array(b.buffer);
    expect([...words]).toEqual([0n, 0n, 3n, 453_125_001n]);
    s.itimerspec.encodeOneShot(b, 5_000_000_000 * 4);
    expect([...words]).toEqual([0n, 0n, 20n, 0n]);
  });

  test("sockaddr_in: family host order, port and address network order", () => {
    const b = new Uint8Array(s.sockaddrIn.SIZE).fill(0xff);
    s.sockaddrIn.encode(b, new Uint8Array([192, 0, 2, 1]), 0x1234);
    expect([...b]).toEqual([2, 0, 0x12, 0x34, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(s.sockaddrIn.decode(b, 16)).toEqual({ ok: true, port: 0x1234, addr: new Uint8Array([192, 0, 2, 1]) });
  });

  test("sockaddr_in6: scope id host order", () => {
    const b = new Uint8Array(s.sockaddrIn6.SIZE);
    const addr = new Uint8Array(16);
    addr.set([0x20, 0x01, 0x0d, 0xb8]);
    s.sockaddrIn6.encode(b, addr, 0x0102, 0x0a0b0c0d);
    expect([...b.subarray(0, 4)]).toEqual([10, 0, 1, 2]);
    expect([...b.subarray(24, 28)]).toEqual([0x0d, 0x0c, 0x0b, 0x0a]);
    expect(s.sockaddrIn6.decode(b, 28)).toMatchObject({ ok: true, port: 0x0102, scopeId: 0x0a0b0c0d });
  });

  test("sockaddr_ll: protocol network order, ifindex host order", () => {
    const b = new Uint8Array(s.sockaddrLl.SIZE);
    const mac = new Uint8Array([0, 0, 0x5e, 0, 1, 7]);
    s.sockaddrLl.encode(b, { protocol: C.ETH_P_ARP, ifindex: 0x0203, addr: mac });
    expect([...b.subarray(0, 8)]).toEqual([17, 0, 0x08, 0x06, 0x03, 0x02, 0, 0]);
    expect(b[11]).toBe(6);
    expect(s.sockaddrLl.decode(b, 20)).toMatchObject({ ok: true, protocol: C.ETH_P_ARP, ifindex: 0x0203, addr: mac });
  });

  test("ip_mreqn and ipv6_mreq: ifindex host order", () => {
    const m = new Uint8Array(s.ipMreqn.SIZE);
    s.ipMreqn.encode(m, new Uint8Array([224, 0, 0, 18]), 0x0102);
    expect([...m]).toEqual([224, 0, 0, 18, 0, 0, 0, 0, 2, 1, 0, 0]);
    const m6 = new Uint8Array(s.ipv6Mreq.SIZE);
    const group = new Uint8Array(16);
    group.set([0xff, 0x02]);
    group[15] = 0x12;
    s.ipv6Mreq.encode(m6, group, 3);
    expect(s.ipv6Mreq.decode(m6)).toEqual({ group, ifindex: 3 });
  });

  test("nlmsghdr and rtattr: host order, 4-byte alignment", () => {
    const b = new Uint8Array(64);
    s.nlmsghdr.encode(b, { len: 0x1c, type: C.RTM_NEWADDR, flags: 0x0605, seq: 0x01020304, pid: 7 });
    expect([...b.subarray(0, 16)]).toEqual([0x1c, 0, 0, 0, 20, 0, 5, 6, 4, 3, 2, 1, 7, 0, 0, 0]);
    const next = s.rtattr.putBytes(b, 16, C.IFA_LABEL, new Uint8Array([0x61, 0x62, 0x63]));
    expect(next).toBe(24); // 4 header + 3 payload, padded to 8
    expect([...b.subarray(16, 24)]).toEqual([7, 0, 3, 0, 0x61, 0x62, 0x63, 0]);
  });

  test("msghdr/iovec pointers as 64-bit host-order fields", () => {
    const b = new Uint8Array(s.msghdr.SIZE);
    const f = { name: 0x7f00_1234_5678, namelen: 28, iov: 2 ** 40 + 8, iovlen: 1, control: 0, controllen: 0, flags: 0 };
    s.msghdr.encode(b, f);
    expect(s.msghdr.decode(b)).toEqual(f);
    expect([...b.subarray(0, 8)]).toEqual([0x78, 0x56, 0x34, 0x12, 0x00, 0x7f, 0, 0]);
  });

  test("sockaddr_un: a path keeps its NUL, an abstract name starts with one and has none at the end", () => {
    const path = s.sockaddrUn.encode("/run/n");
    expect(path.ok && [...path.bytes]).toEqual([1, 0, 0x2f, 0x72, 0x75, 0x6e, 0x2f, 0x6e, 0]);
    const abstract = s.sockaddrUn.encode("@ab");
    expect(abstract.ok && [...abstract.bytes]).toEqual([1, 0, 0, 0x61, 0x62]);
    expect(s.sockaddrUn.encode(`/${"x".repeat(106)}`).ok).toBe(true);
    expect(s.sockaddrUn.encode(`/${"x".repeat(107)}`)).toEqual({ ok: false, reason: "Unix socket address longer than 107 bytes" });
    expect(s.sockaddrUn.encode("@")).toEqual({ ok: false, reason: "empty Unix socket address" });
    expect(s.sockaddrUn.encode("/a\0b").ok).toBe(false);
  });

  test("timespec: seconds and nanoseconds to whole microseconds", () => {
    const b = new Uint8Array(s.timespec.SIZE);
    new BigInt64Array(b.buffer).set([12_345n, 678_901_999n]);
    expect(s.timespec.toMicroseconds(b)).toBe(12_345_678_901);
  });
});

describe("decoders never throw on malformed input", () => {
  test("random bytes through nlmsghdr, nlmsgerr, rtattr and cmsghdr walkers", () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    const cursor = new s.rtattr.Cursor();
    for (let i = 0; i < 2000; i++) {
      const b = Uint8Array.from({ length: i % 80 }, rnd);
      expect(() => {
        s.nlmsghdr.decode(b, 0, b.length);
        s.nlmsgerr.decode(b, 0, b.length, i % 2 === 0);
        s.ifinfomsg.decode(b, 0, b.length);
        s.ifaddrmsg.decode(b, 0, b.length);
        s.rtmsg.decode(b, 0, b.length);
        s.sockaddrIn.decode(b, b.length);
        s.sockaddrLl.decode(b, b.length);
        cursor.reset(b, 0, b.length);
        for (let n = 0; n < 100 && cursor.next(); n++) cursor.string();
        s.cmsghdr.findData(b, b.length, 41, 52);
      }).not.toThrow();
    }
  });

  test("an nlmsghdr whose length runs past the datagram is rejected", () => {
    const b = new Uint8Array(20);
    s.nlmsghdr.encode(b, { len: 64, type: 2, flags: 0, seq: 1, pid: 0 });
    expect(s.nlmsghdr.decode(b, 0, 20)).toMatchObject({ ok: false });
  });

  test("an rtattr with a bad length stops the walk and flags it", () => {
    const b = new Uint8Array([8, 0, 1, 0, 1, 2, 3, 4, 200, 0, 2, 0]);
    const c = new s.rtattr.Cursor().reset(b, 0, b.length);
    expect(c.next()).toBe(true);
    expect([c.type, c.payloadLen]).toEqual([1, 4]);
    expect(c.next()).toBe(false);
    expect(c.malformed).toBe(true);
  });

  test("cmsghdr.findData locates an int in a well-formed control buffer", () => {
    const ctl = new Uint8Array(64);
    s.cmsghdr.encodeHeader(ctl, 0, 2, 4); // SOL_IP / IP_TTL
    ctl[16] = 64;
    const second = s.cmsghdr.CMSG_SPACE(4);
    s.cmsghdr.encodeHeader(ctl, 41, 52, 4, second); // SOL_IPV6 / IPV6_HOPLIMIT
    ctl[second + 16] = 255;
    expect(s.cmsghdr.findData(ctl, second + s.cmsghdr.CMSG_SPACE(4), 41, 52)).toBe(second + 16);
    expect(s.cmsghdr.findData(ctl, second, 41, 52)).toBe(-1);
  });
});
