// Checker sockets that leave by a given interface (keepalived's bind_if: SO_BINDTODEVICE) or carry a firewall mark
// (fwmark: SO_MARK). Neither Bun's nor Node's sockets can set these before connecting, so the socket is made here,
// set up in keepalived's order (mark, device, source address, then connect), and its descriptor handed on: a TCP
// one to node:net once connected (TLS, SMTP) or kept by stream-exchange.ts (TCP_CHECK, HTTP_GET, every one of
// them, placed or not), a UDP one read here. Bun offers no wait for a descriptor to become writable or
// readable that is not also a read, so progress is polled every POLL_MS, and only while a check is under way.

import {
  AF_INET,
  AF_INET6,
  bindDevice,
  bindSocket,
  closeFd,
  connectSocket,
  errnoName,
  getsockoptInt,
  ifNameToIndex,
  MSG_DONTWAIT,
  openSocket,
  POLLERR,
  POLLHUP,
  POLLOUT,
  pollOne,
  recvFrom,
  SO_ERROR,
  SO_MARK,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  sendTo,
  setsockoptInt,
  sockaddrIn,
  sockaddrIn6,
  stableBuffer,
  SyscallError,
} from "../../../ffi/index.ts";
import type { ConnectTarget } from "../../check/check-definition.ts";
import { type IpFamily, parseIp } from "../../vrrp/ip-address.ts";

const POLL_MS = 2;
const MAX_DATAGRAM = 65536;

/** Where a placed socket goes and how it leaves: a check's target, whose deadline is the caller's. */
export type SocketPlacement = Omit<ConnectTarget, "timeoutMs">;

/** An error carrying the errno's name as `code`, as node:net's errors do (the probes report the code). */
export class PlacedSocketError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PendingConnect {
  /** The connected descriptor (the caller owns it from then on), or the refusal. */
  readonly connected: Promise<number>;
  /** Gives up a connection still under way and closes its descriptor; nothing once it has resolved. */
  cancel(): void;
}

/** Starts a TCP connection from a placed socket. */
export function connectPlacedStream(placement: SocketPlacement): PendingConnect {
  let fd = -1;
  let timer: ReturnType<typeof setInterval> | undefined;
  let settled = false;
  const finish = () => {
    settled = true;
    clearInterval(timer);
  };
  const connected = new Promise<number>((resolve, reject) => {
    const fail = (e: unknown) => {
      finish();
      closeQuietly(fd);
      fd = -1;
      reject(asPlacedError(e));
    };
    try {
      fd = openPlaced(placement, SOCK_STREAM);
      if (connectSocket(fd, destination(placement)) === "connected") {
        finish();
        resolve(fd);
        return;
      }
    } catch (e) {
      fail(e);
      return;
    }
    timer = setInterval(() => {
      try {
        const events = pollOne(fd, POLLOUT, 0);
        if (events === 0) return;
        const error = getsockoptInt(fd, SOL_SOCKET, SO_ERROR);
        if (error !== 0) throw new SyscallError("connect", error);
        if ((events & (POLLERR | POLLHUP)) !== 0) throw new PlacedSocketError("ECONNRESET", "connect: hung up while connecting");
        finish();
        resolve(fd);
      } catch (e) {
        fail(e);
      }
    }, POLL_MS);
  });
  return {
    connected,
    cancel: () => {
      if (settled) return;
      finish();
      closeQuietly(fd);
      fd = -1;
    },
  };
}

/** A connected UDP socket, placed; replies (and ICMP errors, as ECONNREFUSED) are read by polling while one is awaited. */
export class PlacedDatagram {
  private readonly buffer = stableBuffer(MAX_DATAGRAM);
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  private constructor(private readonly fd: number) {}

  /** Throws PlacedSocketError when the socket cannot be set up (an unknown interface, a refused bind...). */
  static open(placement: SocketPlacement): PlacedDatagram {
    let fd = -1;
    try {
      fd = openPlaced(placement, SOCK_DGRAM);
      connectSocket(fd, destination(placement));
      return new PlacedDatagram(fd);
    } catch (e) {
      closeQuietly(fd);
      throw asPlacedError(e);
    }
  }

  send(payload: Uint8Array): void {
    try {
      sendTo(this.fd, payload, payload.byteLength, null);
    } catch (e) {
      throw asPlacedError(e);
    }
  }

  /** Delivers each datagram that arrives, or the error that ends reading, until close(). */
  receive(onReply: (reply: Buffer) => void, onError: (e: PlacedSocketError) => void): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      try {
        for (let i = 0; i < 16 && !this.closed; i++) {
          const n = recvFrom(this.fd, this.buffer, MSG_DONTWAIT);
          if (n === null) return;
          onReply(Buffer.from(this.buffer.subarray(0, Math.min(n, MAX_DATAGRAM))));
        }
      } catch (e) {
        clearInterval(this.timer);
        onError(asPlacedError(e));
      }
    }, POLL_MS);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    closeQuietly(this.fd);
  }
}

/** A non-blocking socket with the mark, the device and the source address set, as keepalived sets them. */
export function openPlaced(p: SocketPlacement, type: number): number {
  const fd = openSocket(p.family === 6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  try {
    if (p.fwmark !== null) setsockoptInt(fd, SOL_SOCKET, SO_MARK, p.fwmark | 0);
    if (p.bindInterface !== null) bindDevice(fd, p.bindInterface);
    if (p.bindAddress !== null || p.bindPort !== null) {
      const any = new Uint8Array(p.family === 6 ? 16 : 4);
      const source = p.bindAddress === null ? any : parseOrThrow(p.bindAddress);
      bindSocket(fd, sockaddrOf(p.family, source, p.bindPort ?? 0));
    }
    return fd;
  } catch (e) {
    closeQuietly(fd);
    throw e;
  }
}

/** Destinations already encoded, per placement (a check's target lives as long as its definition). */
const destinations = new WeakMap<SocketPlacement, Uint8Array>();

/**
 * The address connected to; an IPv6 link-local one is scoped to bind_if (keepalived requires it there), looked
 * up each time since the interface may be made anew, the others encoded once per placement.
 */
export function destination(p: SocketPlacement): Uint8Array {
  const known = destinations.get(p);
  if (known !== undefined) return known;
  const address = parseOrThrow(p.address);
  const linkLocal = p.family === 6 && address[0] === 0xfe && (address[1]! & 0xc0) === 0x80;
  const scoped = linkLocal && p.bindInterface !== null;
  const encoded = sockaddrOf(p.family, address, p.port, scoped ? ifNameToIndex(p.bindInterface!) : 0);
  if (!scoped) destinations.set(p, encoded);
  return encoded;
}

function sockaddrOf(family: IpFamily, address: Uint8Array, port: number, scopeId = 0): Uint8Array {
  const out = stableBuffer(family === 6 ? sockaddrIn6.SIZE : sockaddrIn.SIZE);
  if (family === 6) sockaddrIn6.encode(out, address, port, scopeId);
  else sockaddrIn.encode(out, address, port);
  return out;
}

function parseOrThrow(text: string): Uint8Array {
  const parsed = parseIp(text);
  if (parsed === null) throw new PlacedSocketError("EINVAL", `not an address: ${text}`);
  return parsed;
}

export function asPlacedError(e: unknown): PlacedSocketError {
  if (e instanceof PlacedSocketError) return e;
  if (e instanceof SyscallError) return new PlacedSocketError(errnoName(e.errno), `${e.syscall}: ${errnoName(e.errno)}`);
  return new PlacedSocketError("EIO", (e as Error)?.message ?? String(e));
}

export function closeQuietly(fd: number): void {
  if (fd < 0) return;
  try {
    closeFd(fd);
  } catch {
    // EBADF only: the descriptor is gone either way.
  }
}
