// Typed wrappers over the socket family of libc calls. Each checks its result (-1 → SyscallError, errno read at
// once), restarts on EINTR where restarting is correct, and bounds-checks lengths against the JS buffer so a
// wrong `len` can never make the kernel read or write past it.
import * as C from "./constants.ts";
import { ERRNO, SyscallError } from "./errno.ts";
import { addressOf, lastErrno, lastError, libc, MAX_EINTR_RETRIES } from "./libc.ts";
import { getU32, putU64, putU32 } from "./structs/bytes.ts";
import * as cmsghdr from "./structs/cmsghdr.ts";
import * as ifreq from "./structs/ifreq.ts";
import * as iovec from "./structs/iovec.ts";
import * as msghdr from "./structs/msghdr.ts";
import * as pollfd from "./structs/pollfd.ts";
import * as sockFilter from "./structs/sock-filter.ts";
import * as sockFprog from "./structs/sock-fprog.ts";
import * as ucred from "./structs/ucred.ts";

/** sizeof(struct sockaddr_storage): large enough for any address the kernel returns. */
export const SOCKADDR_STORAGE_SIZE = 128;

/**
 * A buffer whose address is stored inside another struct (iovec, msghdr) or kept across calls. Backed by an
 * explicit ArrayBuffer so its storage is out-of-line by construction (measured: referenced buffers keep their
 * address across forced GCs; a dropped one's address was reused in 20 of 20 trials). Callers keep the returned
 * view referenced for as long as the address is in use.
 */
export function stableBuffer(size: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(size));
}

// Scratch arguments passed directly to a call (never stored in a struct), reused so steady-state calls allocate
// nothing.
const intValue = new Int32Array(1);
const optLen = new Uint32Array(1);
const ifr = stableBuffer(ifreq.SIZE);
const pollBuf = stableBuffer(pollfd.SIZE);
const ucredBuf = stableBuffer(ucred.SIZE);

const OPTION_PREFIX: ReadonlyMap<number, string> = new Map([
  [C.SOL_SOCKET, "SO_"],
  [C.SOL_IP, "IP_"],
  [C.SOL_IPV6, "IPV6_"],
  [C.SOL_PACKET, "PACKET_"],
  [C.SOL_NETLINK, "NETLINK_"],
]);
let optionNames: Map<string, string> | undefined;

/** `SO_RCVBUFFORCE` for (SOL_SOCKET, 33): error messages name the option the way the C code would. */
export function optionName(level: number, name: number): string {
  if (!optionNames) {
    optionNames = new Map();
    for (const [key, value] of Object.entries(C)) {
      if (typeof value !== "number") continue;
      for (const [lvl, prefix] of OPTION_PREFIX) {
        if (key.startsWith(prefix) && !key.startsWith("SOL_")) optionNames.set(`${lvl}:${value}`, key);
      }
    }
  }
  return optionNames.get(`${level}:${name}`) ?? `level ${level} option ${name}`;
}

function checkLen(what: string, len: number, capacity: number): void {
  if (!Number.isInteger(len) || len < 0 || len > capacity) {
    throw new RangeError(`${what}: length ${len} outside the buffer (0..${capacity})`);
  }
}

export function openSocket(domain: number, type: number, protocol: number): number {
  const fd = libc.socket(domain, type, protocol);
  if (fd < 0) throw lastError("socket");
  return fd;
}

/**
 * Closes `fd`. Never restarted on EINTR: Linux releases the descriptor before close() can be interrupted, so a
 * retry could close an unrelated descriptor opened in between. EINTR is therefore ignored, not thrown.
 */
export function closeFd(fd: number): void {
  if (libc.close(fd) === 0) return;
  const errno = lastErrno();
  if (errno !== ERRNO.EINTR) throw new SyscallError("close", errno);
}

export function bindSocket(fd: number, sockaddr: Uint8Array): void {
  if (libc.bind(fd, sockaddr, sockaddr.byteLength) !== 0) throw lastError("bind");
}

/**
 * Connects `fd` to `sockaddr`. On a non-blocking socket a connection still under way is "in-progress": the socket
 * becomes writable when it is done, and SO_ERROR then says how it went. Refusals and the like throw SyscallError.
 */
export function connectSocket(fd: number, sockaddr: Uint8Array): "connected" | "in-progress" {
  if (libc.connect(fd, sockaddr, sockaddr.byteLength) === 0) return "connected";
  const errno = lastErrno();
  // An interrupted connect goes on in the background, as one in progress does (connect(2)).
  if (errno === ERRNO.EINPROGRESS || errno === ERRNO.EINTR) return "in-progress";
  throw new SyscallError("connect", errno);
}

/** Writes the socket's own address into `out` (≥ the family's sockaddr size) and returns its length. */
export function getSockName(fd: number, out: Uint8Array): number {
  optLen[0] = out.byteLength;
  if (libc.getsockname(fd, out, optLen) !== 0) throw lastError("getsockname");
  return optLen[0] ?? 0;
}

export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  intValue[0] = value;
  if (libc.setsockopt(fd, level, name, intValue, 4) !== 0) throw lastError(`setsockopt(${optionName(level, name)})`);
}

export function getsockoptInt(fd: number, level: number, name: number): number {
  intValue[0] = 0;
  optLen[0] = 4;
  if (libc.getsockopt(fd, level, name, intValue, optLen) !== 0) {
    throw lastError(`getsockopt(${optionName(level, name)})`);
  }
  return intValue[0] ?? 0;
}

/** Options whose value is a struct (ip_mreqn, ipv6_mreq, sock_fprog, ...): `bytes` is passed whole. */
export function setsockoptBytes(fd: number, level: number, name: number, bytes: Uint8Array): void {
  if (libc.setsockopt(fd, level, name, bytes, bytes.byteLength) !== 0) {
    throw lastError(`setsockopt(${optionName(level, name)})`);
  }
}

/** Reads a struct-valued option into `out`; returns the length the kernel wrote. */
export function getsockoptBytes(fd: number, level: number, name: number, out: Uint8Array): number {
  optLen[0] = out.byteLength;
  if (libc.getsockopt(fd, level, name, out, optLen) !== 0) throw lastError(`getsockopt(${optionName(level, name)})`);
  return optLen[0] ?? 0;
}

/**
 * SO_PEERCRED: the process at the other end of a connected Unix socket, with the user and group it had when it
 * called connect() (the kernel records them then; later setuid() in the peer does not change them).
 */
export function peerCredentials(fd: number): ucred.Ucred {
  const len = getsockoptBytes(fd, C.SOL_SOCKET, C.SO_PEERCRED, ucredBuf);
  if (len !== ucred.SIZE) throw new Error(`getsockopt(SO_PEERCRED) answered ${len} bytes, not ${ucred.SIZE}`);
  return ucred.decode(ucredBuf);
}

/** SO_BINDTODEVICE: the socket only sends and receives through `ifname` (requires CAP_NET_RAW). */
export function bindDevice(fd: number, ifname: string): void {
  const name = new TextEncoder().encode(`${ifname}\0`);
  if (name.length > C.IFNAMSIZ || name.length < 2) throw new RangeError(`bad interface name "${ifname}"`);
  setsockoptBytes(fd, C.SOL_SOCKET, C.SO_BINDTODEVICE, name);
}

/** Sends buf[0, len) to `sockaddr` (null on a connected socket); returns the bytes sent. */
export function sendTo(fd: number, buf: Uint8Array, len: number, sockaddr: Uint8Array | null, flags = 0): number {
  checkLen("sendto", len, buf.byteLength);
  const addrLen = sockaddr === null ? 0 : sockaddr.byteLength;
  for (let attempt = 0; ; attempt++) {
    const n = Number(libc.sendto(fd, buf, len, flags, sockaddr, addrLen));
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno !== ERRNO.EINTR || attempt >= MAX_EINTR_RETRIES) throw new SyscallError("sendto", errno);
  }
}

/** A reusable sockaddr_storage for the sender's address; `len` is what the kernel reported. */
export class SockaddrStorage {
  readonly bytes = stableBuffer(SOCKADDR_STORAGE_SIZE);
  readonly lenBox = new Uint32Array(1);
  get len(): number {
    return this.lenBox[0] ?? 0;
  }
}

/**
 * Receives one datagram into `buf`. Returns its length (with MSG_TRUNC in `flags`: the full length, which may
 * exceed the buffer), or null when a non-blocking socket has nothing (EAGAIN): "nothing yet" is not an error.
 */
export function recvFrom(fd: number, buf: Uint8Array, flags = 0, from: SockaddrStorage | null = null): number | null {
  for (let attempt = 0; ; attempt++) {
    if (from) from.lenBox[0] = SOCKADDR_STORAGE_SIZE;
    const n = Number(libc.recvfrom(fd, buf, buf.byteLength, flags, from?.bytes ?? null, from?.lenBox ?? null));
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno === ERRNO.EAGAIN) return null;
    if (errno !== ERRNO.EINTR || attempt >= MAX_EINTR_RETRIES) throw new SyscallError("recvfrom", errno);
  }
}

/**
 * The buffers of one sendmsg/recvmsg conversation: msghdr, one iovec, a data buffer, the peer address and the
 * control (ancillary) buffer, allocated once. The msghdr and iovec hold raw addresses of the others, so this
 * object keeps all of them referenced; reuse it for every call on its socket.
 */
export class MsgBuffers {
  readonly hdr = stableBuffer(msghdr.SIZE);
  readonly iov = stableBuffer(iovec.SIZE);
  readonly data: Uint8Array;
  readonly name = stableBuffer(SOCKADDR_STORAGE_SIZE);
  readonly control: Uint8Array;
  /** After recvMsg: the peer address length, the control bytes the kernel wrote, and msg_flags (MSG_TRUNC...). */
  namelen = 0;
  controllen = 0;
  flags = 0;
  private readonly dataAddr: number;
  private readonly nameAddr: number;
  private readonly controlAddr: number;
  private readonly iovAddr: number;

  constructor(dataSize: number, controlSize = 256) {
    this.data = stableBuffer(dataSize);
    this.control = stableBuffer(controlSize);
    this.dataAddr = addressOf(this.data);
    this.nameAddr = addressOf(this.name);
    this.controlAddr = addressOf(this.control);
    this.iovAddr = addressOf(this.iov);
  }

  /** (Re)writes every field: the kernel updates namelen/controllen/flags in place on each recvmsg. */
  prepare(dataLen: number, namelen: number, controllen: number): void {
    iovec.encode(this.iov, this.dataAddr, dataLen);
    putU64(this.hdr, msghdr.OFFSETS.msg_name, namelen === 0 ? 0 : this.nameAddr);
    putU32(this.hdr, msghdr.OFFSETS.msg_namelen, namelen);
    putU64(this.hdr, msghdr.OFFSETS.msg_iov, this.iovAddr);
    putU64(this.hdr, msghdr.OFFSETS.msg_iovlen, 1);
    putU64(this.hdr, msghdr.OFFSETS.msg_control, controllen === 0 ? 0 : this.controlAddr);
    putU64(this.hdr, msghdr.OFFSETS.msg_controllen, controllen);
    putU32(this.hdr, msghdr.OFFSETS.msg_flags, 0);
  }

  /** Offset in `control` of the data of the (level, type) control message from the last recvMsg, or -1. */
  findControl(level: number, type: number, minDataLen = 0): number {
    return cmsghdr.findData(this.control, this.controllen, level, type, minDataLen);
  }

  /** An int-valued control message (IPV6_HOPLIMIT, IP_TTL), or -1 when absent. */
  controlInt(level: number, type: number): number {
    const at = this.findControl(level, type, 4);
    return at < 0 ? -1 : getU32(this.control, at) | 0;
  }
}

/**
 * recvmsg into `m.data` with the peer address in `m.name` and ancillary data in `m.control`. Returns the datagram
 * length or null on EAGAIN (non-blocking socket, nothing queued).
 */
export function recvMsg(fd: number, m: MsgBuffers, flags = 0): number | null {
  for (let attempt = 0; ; attempt++) {
    m.prepare(m.data.byteLength, m.name.byteLength, m.control.byteLength);
    const n = Number(libc.recvmsg(fd, m.hdr, flags));
    if (n >= 0) {
      m.namelen = getU32(m.hdr, msghdr.OFFSETS.msg_namelen);
      m.controllen = Math.min(getU32(m.hdr, msghdr.OFFSETS.msg_controllen), m.control.byteLength);
      m.flags = getU32(m.hdr, msghdr.OFFSETS.msg_flags);
      return n;
    }
    const errno = lastErrno();
    if (errno === ERRNO.EAGAIN) return null;
    if (errno !== ERRNO.EINTR || attempt >= MAX_EINTR_RETRIES) throw new SyscallError("recvmsg", errno);
  }
}

/**
 * sendmsg of m.data[0, len) to `sockaddr` (copied into m.name; null on a connected socket) with the first
 * `controlLen` bytes of m.control as ancillary data (build them with cmsghdr.encodeHeader).
 */
export function sendMsg(fd: number, m: MsgBuffers, len: number, sockaddr: Uint8Array | null, controlLen = 0, flags = 0): number {
  checkLen("sendmsg", len, m.data.byteLength);
  checkLen("sendmsg control", controlLen, m.control.byteLength);
  const namelen = sockaddr === null ? 0 : sockaddr.byteLength;
  checkLen("sendmsg name", namelen, m.name.byteLength);
  if (sockaddr) m.name.set(sockaddr);
  for (let attempt = 0; ; attempt++) {
    m.prepare(len, namelen, controlLen);
    const n = Number(libc.sendmsg(fd, m.hdr, flags));
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno !== ERRNO.EINTR || attempt >= MAX_EINTR_RETRIES) throw new SyscallError("sendmsg", errno);
  }
}

/**
 * Waits up to `timeoutMs` (bounded; -1 is refused so no caller can block the event loop forever) for `events`
 * on one fd. Returns revents, 0 on timeout. An EINTR restarts the wait with the time that is left.
 */
export function pollOne(fd: number, events: number, timeoutMs: number): number {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) throw new RangeError(`poll timeout must be ≥ 0 ms: ${timeoutMs}`);
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    pollfd.encode(pollBuf, fd, events);
    const remaining = Math.max(0, Math.ceil(deadline - performance.now()));
    const n = libc.poll(pollBuf, 1, attempt === 0 ? timeoutMs : remaining);
    if (n >= 0) return n === 0 ? 0 : pollfd.getRevents(pollBuf);
    const errno = lastErrno();
    if (errno !== ERRNO.EINTR || attempt >= MAX_EINTR_RETRIES) throw new SyscallError("poll", errno);
  }
}

/** The index of interface `name`; ENODEV when there is none. */
export function ifNameToIndex(name: string): number {
  const index = libc.if_nametoindex(name);
  if (index === 0) throw lastError(`if_nametoindex(${name})`);
  return index;
}

function ifreqIoctl(fd: number, request: number, label: string, name: string): void {
  ifreq.encodeName(ifr, name);
  if (libc.ioctl(fd, request, ifr) !== 0) throw lastError(`ioctl(${label}, ${name})`);
}

/** SIOCGIFINDEX on any socket `fd` (an AF_INET SOCK_DGRAM one is enough). */
export function ioctlIfIndex(fd: number, name: string): number {
  ifreqIoctl(fd, C.SIOCGIFINDEX, "SIOCGIFINDEX", name);
  return ifreq.getIfindex(ifr);
}

/** SIOCGIFFLAGS: the low 16 IFF_* bits. */
export function ioctlIfFlags(fd: number, name: string): number {
  ifreqIoctl(fd, C.SIOCGIFFLAGS, "SIOCGIFFLAGS", name);
  return ifreq.getFlags(ifr);
}

export function ioctlIfMtu(fd: number, name: string): number {
  ifreqIoctl(fd, C.SIOCGIFMTU, "SIOCGIFMTU", name);
  return ifreq.getMtu(ifr);
}

/** SIOCGIFHWADDR: the ARPHRD_* type and the 6-byte hardware address. */
export function ioctlIfHwaddr(fd: number, name: string): { hatype: number; addr: Uint8Array } {
  ifreqIoctl(fd, C.SIOCGIFHWADDR, "SIOCGIFHWADDR", name);
  const { family, addr } = ifreq.getHwaddr(ifr, C.ETH_ALEN);
  return { hatype: family, addr };
}

export function getPid(): number {
  return libc.getpid();
}

/**
 * SO_ATTACH_FILTER with a classic BPF program. The kernel copies the instructions during the call; the local
 * buffers are referenced until it returns (the sock_fprog holds a raw pointer to them).
 */
export function attachFilter(fd: number, program: readonly sockFilter.Instruction[]): void {
  if (program.length === 0 || program.length > 4096) throw new RangeError(`BPF program of ${program.length} instructions`);
  const insns = stableBuffer(program.length * sockFilter.SIZE);
  for (const [i, insn] of program.entries()) sockFilter.encode(insns, insn, i * sockFilter.SIZE);
  const prog = stableBuffer(sockFprog.SIZE);
  sockFprog.encode(prog, program.length, addressOf(insns));
  setsockoptBytes(fd, C.SOL_SOCKET, C.SO_ATTACH_FILTER, prog);
  if (insns.byteLength === 0) throw new Error("unreachable"); // keeps `insns` alive past the call
}
