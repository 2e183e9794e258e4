// The pure parts of the Linux adapters, without root: splitting stream chunks into datagrams, the announcement
// frames, the BPF program's jumps, rtnetlink decoders on malformed input.
import { describe, expect, test } from "bun:test";
import * as C from "../../ffi/constants.ts";
import { DROP_ALL_FILTER, VRRP6_RECEIVE_FILTER } from "../../src/adapters/linux/bpf-vrrp6.ts";
import { forEachIpv4Datagram, forEachIpv6Packet } from "../../src/adapters/linux/ip-datagrams.ts";
import { encodeGratuitousArp, encodeUnsolicitedNa, GARP_FRAME_LENGTH, NA_FRAME_LENGTH } from "../../src/adapters/linux/neighbour-frames.ts";
import { decodeAddress, decodeLink } from "../../src/adapters/linux/rtnl-messages.ts";
import type { ReceivedPacket } from "../../src/adapters/vrrp-transport.ts";
import { addWords, finishChecksum, pseudoHeaderSumV6 } from "../../src/vrrp/checksum.ts";
import { formatIp, parseIp } from "../../src/vrrp/ip-address.ts";
import { seededRandom } from "../fuzz.ts";

function ipv4(src: string, ttl: number, proto: number, payload: number[]): number[] {
  const total = 20 + payload.length;
  return [0x45, 0xc0, total >> 8, total & 0xff, 0, 1, 0, 0, ttl, proto, 0, 0, ...parseIp(src)!, 224, 0, 0, 18, ...payload];
}

function ipv6(hop: number, payload: number[]): number[] {
  return [0x60, 0, 0, 0, payload.length >> 8, payload.length & 0xff, 112, hop, ...parseIp("fe80::1")!, ...parseIp("ff02::12")!, ...payload];
}

function collect(kind: 4 | 6, chunk: number[]) {
  const n = kind === 4 ? 4 : 16;
  const out: ReceivedPacket = {
    family: kind,
    ifindex: 2,
    src: new Uint8Array(n),
    dst: new Uint8Array(n),
    ttl: 0,
    packet: new Uint8Array(0),
    offset: 0,
    length: 0,
  };
  const counters = { malformed: 0 };
  const seen: Array<{ src: string; ttl: number; payload: number[] }> = [];
  const fn = kind === 4 ? forEachIpv4Datagram : forEachIpv6Packet;
  fn(new Uint8Array(chunk), out, counters, (p) =>
    seen.push({ src: formatIp(p.src), ttl: p.ttl, payload: [...p.packet.subarray(p.offset, p.offset + p.length)] }),
  );
  return { seen, malformed: counters.malformed };
}

describe("chunk splitting", () => {
  test("IPv4: several datagrams in one chunk, each with its own TTL and source; other protocols counted", () => {
    const r = collect(4, [
      ...ipv4("192.0.2.1", 255, 112, [1, 2, 3, 4]),
      ...ipv4("192.0.2.2", 1, 112, [5, 6]),
      ...ipv4("192.0.2.3", 255, 17, [9]),
    ]);
    expect(r.seen).toEqual([
      { src: "192.0.2.1", ttl: 255, payload: [1, 2, 3, 4] },
      { src: "192.0.2.2", ttl: 1, payload: [5, 6] },
    ]);
    expect(r.malformed).toBe(1);
  });

  test("IPv4 on an IPsec AH socket: AH datagrams delivered with their protocol and where the IP header starts", () => {
    const chunk = new Uint8Array([...ipv4("192.0.2.1", 255, 112, [1]), ...ipv4("192.0.2.2", 255, 51, [112, 4, 0, 0])]);
    const out: ReceivedPacket = {
      family: 4,
      ifindex: 2,
      src: new Uint8Array(4),
      dst: new Uint8Array(4),
      ttl: 0,
      packet: new Uint8Array(0),
      offset: 0,
      length: 0,
    };
    const counters = { malformed: 0 };
    const seen: unknown[] = [];
    forEachIpv4Datagram(chunk, out, counters, (p) => seen.push([p.ipProtocol, p.ipOffset, p.offset, p.length]), 51);
    expect(seen).toEqual([[51, 21, 41, 4]]);
    expect(counters.malformed).toBe(1); // the plain VRRP datagram does not belong on this socket
  });

  test("IPv4: a total length past the chunk or below the header ends the walk, counted, never thrown", () => {
    const bad = ipv4("192.0.2.1", 255, 112, [1, 2]);
    bad[3] = 200;
    expect(collect(4, [...ipv4("192.0.2.9", 255, 112, [7]), ...bad])).toMatchObject({ seen: [{ src: "192.0.2.9" }], malformed: 1 });
    const short = ipv4("192.0.2.1", 255, 112, []);
    short[3] = 10;
    expect(collect(4, short)).toEqual({ seen: [], malformed: 1 });
    expect(collect(4, [0x45, 0])).toEqual({ seen: [], malformed: 1 });
  });

  test("IPv6: packets back to back, hop limit from the header; truncation counted", () => {
    const r = collect(6, [...ipv6(255, [1, 2, 3]), ...ipv6(64, [4])]);
    expect(r.seen).toEqual([
      { src: "fe80::1", ttl: 255, payload: [1, 2, 3] },
      { src: "fe80::1", ttl: 64, payload: [4] },
    ]);
    expect(collect(6, ipv6(255, [1, 2, 3]).slice(0, 42)).malformed).toBe(1);
  });
});

test("IPv4 chunks with mutated headers (lengths, protocol, any byte): never thrown, every datagram inside its chunk", () => {
  const rnd = seededRandom(0x1d4);
  const seed = [
    ...ipv4("192.0.2.1", 255, 112, [1, 2, 3, 4]),
    ...ipv4("192.0.2.2", 255, 112, [5, 6, 7, 8]),
    ...ipv4("192.0.2.3", 1, 17, [9]),
  ];
  const out: ReceivedPacket = {
    family: 4,
    ifindex: 2,
    src: new Uint8Array(4),
    dst: new Uint8Array(4),
    ttl: 0,
    packet: new Uint8Array(0),
    offset: 0,
    length: 0,
  };
  let handed = 0;
  let malformed = 0;
  for (let i = 0; i < 3000; i++) {
    const chunk = Uint8Array.from(seed);
    for (let m = 1 + Math.floor(rnd() * 2); m > 0; m--) chunk[Math.floor(rnd() * 60)] = Math.floor(rnd() * 256);
    const counters = { malformed: 0 };
    forEachIpv4Datagram(chunk, out, counters, (p) => {
      expect(p.offset >= 20 && p.length >= 0 && p.offset + p.length <= chunk.length).toBe(true);
      handed++;
    });
    malformed += counters.malformed;
  }
  expect(handed).toBeGreaterThan(1000);
  expect(malformed).toBeGreaterThan(100);
});

describe("announcement frames", () => {
  const mac = new Uint8Array([2, 0, 0x5e, 0x10, 0, 0x0a]);

  test("gratuitous ARP layout (as keepalived 2.2.7 sends it)", () => {
    const out = new Uint8Array(GARP_FRAME_LENGTH);
    expect(encodeGratuitousArp(out, mac, parseIp("192.0.2.200")!)).toBe(42);
    expect(Buffer.from(out).toString("hex")).toBe("ffffffffffff02005e10000a0806000108000604000102005e10000ac00002c8ffffffffffffc00002c8");
  });

  test("unsolicited NA: checksum verifies, override flag, router flag only when asked", () => {
    const out = new Uint8Array(NA_FRAME_LENGTH);
    const vip = parseIp("2001:db8::200")!;
    encodeUnsolicitedNa(out, mac, vip, false);
    const icmp = out.subarray(54);
    expect(finishChecksum(addWords(icmp, 0, 32, pseudoHeaderSumV6(vip, parseIp("ff02::1")!, 58, 32)))).toBe(0);
    expect(icmp[4]).toBe(0x20);
    expect(out[21]).toBe(255);
    encodeUnsolicitedNa(out, mac, vip, true);
    expect(out[54 + 4]).toBe(0xa0);
    expect(() => encodeUnsolicitedNa(out, mac, parseIp("192.0.2.1")!, false)).toThrow(RangeError);
  });
});

test("BPF programs: every jump lands inside the program and every path ends in a return", () => {
  for (const prog of [VRRP6_RECEIVE_FILTER, DROP_ALL_FILTER]) {
    prog.forEach((insn, i) => {
      if ((insn.code & 0x07) === C.BPF_JMP) {
        expect(i + 1 + insn.jt).toBeLessThan(prog.length);
        expect(i + 1 + insn.jf).toBeLessThan(prog.length);
      }
    });
    expect(prog.at(-1)!.code & 0x07).toBe(C.BPF_RET);
  }
});

test("rtnetlink decoders return null on truncated messages instead of throwing", () => {
  expect(decodeLink(new Uint8Array(8), 0, 8)).toBeNull();
  expect(decodeAddress(new Uint8Array(4), 0, 4)).toBeNull();
  // An ifaddrmsg for AF_INET with a 16-byte address attribute is rejected (wrong length for the family).
  const b = new Uint8Array(8 + 20);
  b[0] = C.AF_INET;
  b[8] = 20;
  b[10] = C.IFA_LOCAL;
  expect(decodeAddress(b, 0, b.length)).toBeNull();
});
