// Real syscalls through ffi/socket.ts (root needed for raw sockets and *FORCE options). Only loopback traffic in the
// current namespace; no address, link or route is changed. Bun.gc(true) runs between FFI calls so a buffer whose
// address was stored in a struct and then dropped would be caught (ARCHITECTURE §2).
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import * as ffi from "../../ffi/index.ts";
import { IPPROTO_VRRP } from "../../src/vrrp/constants.ts";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_UDP,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_IP,
  SOL_IPV6,
  SOL_SOCKET,
  SyscallError,
} from "../../ffi/index.ts";

const open: number[] = [];
/** Opens a socket that afterEach closes even when the test fails. */
function track(fd: number): number {
  open.push(fd);
  return fd;
}
function release(fd: number): void {
  open.splice(open.indexOf(fd), 1);
  ffi.closeFd(fd);
}
afterEach(() => {
  for (const fd of open.splice(0)) ffi.closeFd(fd);
});

function gc(): void {
  Bun.gc(true);
}

function fdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

const LOOPBACK4 = new Uint8Array([127, 0, 0, 1]);
const LOOPBACK6 = new Uint8Array(16).fill(0, 0, 15).fill(1, 15);

test("runs as root (raw sockets and SO_*BUFFORCE need it)", () => {
  expect(process.getuid?.()).toBe(0);
});

describe("open and close", () => {
  test("UDP socket: domain, type and protocol read back through getsockopt", () => {
    const fd = track(ffi.openSocket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    gc();
    expect(fd).toBeGreaterThan(2);
    expect(ffi.getsockoptInt(fd, SOL_SOCKET, ffi.SO_DOMAIN)).toBe(AF_INET);
    gc();
    expect(ffi.getsockoptInt(fd, SOL_SOCKET, ffi.SO_TYPE)).toBe(SOCK_DGRAM);
    expect(ffi.getsockoptInt(fd, SOL_SOCKET, ffi.SO_PROTOCOL)).toBe(IPPROTO_UDP);
    release(fd);
  });

  test("raw VRRP socket bound to lo (IPv4) and raw IPv6 socket", () => {
    const fd4 = track(ffi.openSocket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_VRRP));
    gc();
    expect(ffi.getsockoptInt(fd4, SOL_SOCKET, ffi.SO_PROTOCOL)).toBe(112);
    ffi.bindDevice(fd4, "lo");
    gc();
    const dev = new Uint8Array(ffi.IFNAMSIZ);
    const len = ffi.getsockoptBytes(fd4, SOL_SOCKET, ffi.SO_BINDTODEVICE, dev);
    expect(new TextDecoder().decode(dev.subarray(0, len)).replace(/\0+$/, "")).toBe("lo");
    const fd6 = track(ffi.openSocket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_VRRP));
    expect(ffi.getsockoptInt(fd6, SOL_SOCKET, ffi.SO_DOMAIN)).toBe(AF_INET6);
    release(fd4);
    release(fd6);
  });

  test("1,000 open/close cycles leave /proc/self/fd unchanged", () => {
    gc();
    const before = fdCount();
    for (let i = 0; i < 1000; i++) {
      const fd = ffi.openSocket(i % 2 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (i % 50 === 0) gc();
      ffi.closeFd(fd);
    }
    gc();
    expect(fdCount()).toBe(before);
  });
});

describe("setsockopt round trips", () => {
  test("the options a VRRP IPv4 socket uses", () => {
    const fd = track(ffi.openSocket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_VRRP));
    // SO_RCVBUFFORCE ignores net.core.rmem_max (root only); the kernel doubles it for bookkeeping.
    ffi.setsockoptInt(fd, SOL_SOCKET, ffi.SO_RCVBUFFORCE, 1 << 20);
    gc();
    expect(ffi.getsockoptInt(fd, SOL_SOCKET, ffi.SO_RCVBUF)).toBe(2 << 20);
    ffi.setsockoptInt(fd, SOL_SOCKET, ffi.SO_SNDBUFFORCE, 1 << 19);
    expect(ffi.getsockoptInt(fd, SOL_SOCKET, ffi.SO_SNDBUF)).toBe(1 << 20);
    for (const [name, value] of [
      [ffi.IP_MULTICAST_TTL, 255],
      [ffi.IP_MULTICAST_LOOP, 0],
      [ffi.IP_TTL, 255],
      [ffi.IP_MULTICAST_ALL, 0],
    ] as const) {
      ffi.setsockoptInt(fd, SOL_IP, name, value);
      gc();
      expect(ffi.getsockoptInt(fd, SOL_IP, name)).toBe(value);
    }
    const mreqn = new Uint8Array(ffi.ipMreqn.SIZE);
    ffi.ipMreqn.encode(mreqn, new Uint8Array([224, 0, 0, 18]), ffi.ifNameToIndex("lo"));
    ffi.setsockoptBytes(fd, SOL_IP, ffi.IP_MULTICAST_IF, mreqn);
    release(fd);
  });

  test("the options a VRRP IPv6 socket uses", () => {
    const fd = track(ffi.openSocket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_VRRP));
    for (const [name, value] of [
      [ffi.IPV6_CHECKSUM, 6],
      [ffi.IPV6_MULTICAST_HOPS, 255],
      [ffi.IPV6_UNICAST_HOPS, 255],
      [ffi.IPV6_MULTICAST_LOOP, 0],
      [ffi.IPV6_RECVHOPLIMIT, 1],
      [ffi.IPV6_MULTICAST_IF, ffi.ifNameToIndex("lo")],
    ] as const) {
      ffi.setsockoptInt(fd, SOL_IPV6, name, value);
      gc();
      expect(ffi.getsockoptInt(fd, SOL_IPV6, name)).toBe(value);
    }
    release(fd);
  });
});

describe("errors", () => {
  test("setsockopt on a closed fd throws SyscallError EBADF naming the call and option", () => {
    const fd = ffi.openSocket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ffi.closeFd(fd);
    gc();
    const e = thrown(() => ffi.setsockoptInt(fd, SOL_SOCKET, ffi.SO_RCVBUF, 4096));
    expect(e).toBeInstanceOf(SyscallError);
    expect(e).toMatchObject({ syscall: "setsockopt(SO_RCVBUF)", errno: 9, code: "EBADF" });
    expect(thrown(() => ffi.closeFd(fd))).toMatchObject({ syscall: "close", code: "EBADF" });
  });

  test("socket() with an unknown family, if_nametoindex of a missing interface", () => {
    expect(thrown(() => ffi.openSocket(4242, SOCK_DGRAM, 0))).toMatchObject({ syscall: "socket", code: "EAFNOSUPPORT" });
    gc();
    expect(thrown(() => ffi.ifNameToIndex("vf-nosuchif"))).toMatchObject({ code: "ENODEV" });
  });

  test("lengths are checked against the JS buffer before the kernel sees them", () => {
    const fd = track(ffi.openSocket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const sa = new Uint8Array(ffi.sockaddrIn.SIZE);
    ffi.sockaddrIn.encode(sa, LOOPBACK4, 9);
    expect(() => ffi.sendTo(fd, new Uint8Array(4), 5, sa)).toThrow(RangeError);
    expect(() => ffi.bindDevice(fd, "a-name-longer-than-ifnamsiz")).toThrow(RangeError);
    release(fd);
  });
});

describe("datagrams over loopback", () => {
  test("IPv4: sendTo, recvFrom with the sender address, recvMsg with the TTL as ancillary data", () => {
    const rx = track(ffi.openSocket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const tx = track(ffi.openSocket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const any = new Uint8Array(ffi.sockaddrIn.SIZE);
    ffi.sockaddrIn.encode(any, LOOPBACK4, 0);
    ffi.bindSocket(rx, any);
    const self = new Uint8Array(ffi.SOCKADDR_STORAGE_SIZE);
    const me = ffi.sockaddrIn.decode(self, ffi.getSockName(rx, self));
    if (!me.ok) throw new Error(me.reason);
    const dst = new Uint8Array(ffi.sockaddrIn.SIZE);
    ffi.sockaddrIn.encode(dst, LOOPBACK4, me.port);
    ffi.setsockoptInt(rx, SOL_IP, ffi.IP_RECVTTL, 1);
    ffi.setsockoptInt(tx, SOL_IP, ffi.IP_TTL, 77);

    const buf = new Uint8Array(64);
    expect(ffi.recvFrom(rx, buf)).toBeNull(); // nothing queued: EAGAIN is "not yet", not an error
    expect(ffi.pollOne(rx, ffi.POLLIN, 0)).toBe(0);

    expect(ffi.sendTo(tx, new TextEncoder().encode("vrrp"), 4, dst)).toBe(4);
    gc();
    expect(ffi.pollOne(rx, ffi.POLLIN, 1000) & ffi.POLLIN).toBe(ffi.POLLIN);
    const from = new ffi.SockaddrStorage();
    gc();
    expect(ffi.recvFrom(rx, buf, 0, from)).toBe(4);
    expect(new TextDecoder().decode(buf.subarray(0, 4))).toBe("vrrp");
    const sender = ffi.sockaddrIn.decode(from.bytes, from.len);
    expect(sender.ok && [...sender.addr]).toEqual([127, 0, 0, 1]);

    const m = new ffi.MsgBuffers(1500);
    ffi.sendTo(tx, new TextEncoder().encode("second"), 6, dst);
    // Churn the heap between building the buffers and the call that dereferences their addresses.
    for (let i = 0; i < 200; i++) new Uint8Array(4096).fill(i);
    gc();
    expect(ffi.recvMsg(rx, m)).toBe(6);
    expect(new TextDecoder().decode(m.data.subarray(0, 6))).toBe("second");
    expect(m.controlInt(SOL_IP, ffi.IP_TTL)).toBe(77);
    expect(m.flags & ffi.MSG_CTRUNC).toBe(0);
    const peer = ffi.sockaddrIn.decode(m.name, m.namelen);
    expect(peer.ok && [...peer.addr]).toEqual([127, 0, 0, 1]);
    expect(ffi.recvMsg(rx, m)).toBeNull();
    release(rx);
    release(tx);
  });

  test("IPv6: the hop limit arrives as IPV6_HOPLIMIT with IPV6_RECVHOPLIMIT; sendMsg works too", () => {
    const rx = track(ffi.openSocket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const tx = track(ffi.openSocket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const sa = new Uint8Array(ffi.sockaddrIn6.SIZE);
    ffi.sockaddrIn6.encode(sa, LOOPBACK6, 0);
    ffi.bindSocket(rx, sa);
    const self = new Uint8Array(ffi.SOCKADDR_STORAGE_SIZE);
    const me = ffi.sockaddrIn6.decode(self, ffi.getSockName(rx, self));
    if (!me.ok) throw new Error(me.reason);
    ffi.sockaddrIn6.encode(sa, LOOPBACK6, me.port);
    ffi.setsockoptInt(rx, SOL_IPV6, ffi.IPV6_RECVHOPLIMIT, 1);
    ffi.setsockoptInt(tx, SOL_IPV6, ffi.IPV6_UNICAST_HOPS, 255);

    const out = new ffi.MsgBuffers(256, 0);
    out.data.set(new TextEncoder().encode("adv6"));
    gc();
    expect(ffi.sendMsg(tx, out, 4, sa)).toBe(4);
    expect(ffi.pollOne(rx, ffi.POLLIN, 1000) & ffi.POLLIN).toBe(ffi.POLLIN);
    const m = new ffi.MsgBuffers(1500);
    gc();
    expect(ffi.recvMsg(rx, m)).toBe(4);
    expect(m.controlInt(SOL_IPV6, ffi.IPV6_HOPLIMIT)).toBe(255);
    const peer = ffi.sockaddrIn6.decode(m.name, m.namelen);
    expect(peer.ok && peer.addr[15]).toBe(1);
    release(rx);
    release(tx);
  });
});

describe("interface helpers", () => {
  test("ioctl SIOCGIF* on lo agree with if_nametoindex", () => {
    const fd = track(ffi.openSocket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const index = ffi.ifNameToIndex("lo");
    gc();
    expect(ffi.ioctlIfIndex(fd, "lo")).toBe(index);
    const flags = ffi.ioctlIfFlags(fd, "lo");
    expect(flags & (ffi.IFF_UP | ffi.IFF_LOOPBACK)).toBe(ffi.IFF_UP | ffi.IFF_LOOPBACK);
    expect(ffi.ioctlIfMtu(fd, "lo")).toBeGreaterThan(0);
    expect(ffi.ioctlIfHwaddr(fd, "lo").hatype).toBe(772); // ARPHRD_LOOPBACK
    expect(thrown(() => ffi.ioctlIfIndex(fd, "vf-nosuchif"))).toMatchObject({
      syscall: "ioctl(SIOCGIFINDEX, vf-nosuchif)",
      code: "ENODEV",
    });
    release(fd);
  });

  test("getpid", () => {
    expect(ffi.getPid()).toBe(process.pid);
  });
});
