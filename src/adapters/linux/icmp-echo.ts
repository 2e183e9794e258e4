// ICMP echo over raw sockets (CAP_NET_RAW, which the daemon keeps), one per family, opened on first use: unlike
// keepalived's ping sockets this needs no change to net.ipv4.ping_group_range. Requests carry this process's id
// and a sequence number of their own; replies are matched on both. While requests are outstanding the sockets are
// drained every DRAIN_MS (non-blocking reads keep datagram boundaries exact); with none, nothing runs.

import {
  AF_INET,
  AF_INET6,
  closeFd,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  openSocket,
  recvFrom,
  SOCK_NONBLOCK,
  SOCK_RAW,
  sendTo,
  setsockoptBytes,
  sockaddrIn,
  sockaddrIn6,
  stableBuffer,
} from "../../../ffi/index.ts";
import { addWords, finishChecksum } from "../../vrrp/checksum.ts";
import type { IpFamily } from "../../vrrp/ip-address.ts";
import type { EchoResult, IcmpEcho } from "../icmp-echo.ts";

const ICMP_ECHO_REQUEST = 8;
const ICMP_ECHO_REPLY = 0;
const ICMP6_ECHO_REQUEST = 128;
const ICMP6_ECHO_REPLY = 129;
/** <netinet/icmp6.h>: the socket option taking a 256-bit "block" map of ICMPv6 types. */
const ICMP6_FILTER = 1;
const PAYLOAD_BYTES = 56;
const DRAIN_MS = 5;

interface Pending {
  resolve: (r: EchoResult) => void;
  timer: ReturnType<typeof setTimeout>;
  family: IpFamily;
}

export class LinuxIcmpEcho implements IcmpEcho {
  private readonly fds: Partial<Record<IpFamily, number>> = {};
  private readonly pending = new Map<number, Pending>();
  private readonly id = process.pid & 0xffff;
  private seq = 0;
  private drain: ReturnType<typeof setInterval> | null = null;
  private readonly buf = stableBuffer(2048);
  private readonly packet = new Uint8Array(8 + PAYLOAD_BYTES);

  echo(address: Uint8Array, family: IpFamily, timeoutMs: number): Promise<EchoResult> {
    let fd: number;
    try {
      fd = this.socket(family);
    } catch (e) {
      return Promise.resolve({ ok: false, reason: `cannot open an ICMP socket: ${(e as Error).message}` });
    }
    this.seq = (this.seq + 1) & 0xffff;
    const seq = this.seq;
    return new Promise<EchoResult>((resolve) => {
      const timer = setTimeout(() => this.settle(seq, { ok: false, reason: `no echo reply within ${timeoutMs} ms` }), timeoutMs);
      this.pending.set(seq, { resolve, timer, family });
      try {
        const request = this.request(family, seq);
        const to = stableBuffer(family === 4 ? sockaddrIn.SIZE : sockaddrIn6.SIZE);
        if (family === 4) sockaddrIn.encode(to, address, 0);
        else sockaddrIn6.encode(to, address, 0);
        sendTo(fd, request, request.length, to);
      } catch (e) {
        this.settle(seq, { ok: false, reason: (e as { code?: string }).code ?? (e as Error).message });
        return;
      }
      this.drain ??= setInterval(() => this.read(), DRAIN_MS);
    });
  }

  close(): void {
    for (const seq of [...this.pending.keys()]) this.settle(seq, { ok: false, reason: "closed" });
    for (const fd of Object.values(this.fds)) if (fd !== undefined) closeFd(fd);
    delete this.fds[4];
    delete this.fds[6];
  }

  private socket(family: IpFamily): number {
    const open = this.fds[family];
    if (open !== undefined) return open;
    const fd = openSocket(family === 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK, family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
    if (family === 6) {
      // Only echo replies reach this socket (the kernel computes ICMPv6 checksums itself).
      const block = new Uint8Array(32).fill(0xff);
      block[ICMP6_ECHO_REPLY >> 3]! &= ~(1 << (ICMP6_ECHO_REPLY & 7));
      setsockoptBytes(fd, IPPROTO_ICMPV6, ICMP6_FILTER, block);
    }
    this.fds[family] = fd;
    return fd;
  }

  private request(family: IpFamily, seq: number): Uint8Array {
    const p = this.packet;
    p.fill(0);
    p[0] = family === 4 ? ICMP_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
    p[4] = this.id >> 8;
    p[5] = this.id & 0xff;
    p[6] = seq >> 8;
    p[7] = seq & 0xff;
    for (let i = 8; i < p.length; i++) p[i] = i & 0xff;
    if (family === 4) {
      const sum = finishChecksum(addWords(p, 0, p.length));
      p[2] = sum >> 8;
      p[3] = sum & 0xff;
    }
    return p;
  }

  private read(): void {
    for (const family of [4, 6] as const) {
      const fd = this.fds[family];
      if (fd === undefined) continue;
      for (let n = 0; n < 64; n++) {
        let len: number | null;
        try {
          len = recvFrom(fd, this.buf);
        } catch {
          break;
        }
        if (len === null) break;
        this.reply(family, this.buf.subarray(0, len));
      }
    }
    if (this.pending.size === 0 && this.drain !== null) {
      clearInterval(this.drain);
      this.drain = null;
    }
  }

  /** A reply from the socket: IPv4 ones carry their IP header, ICMPv6 ones do not. */
  private reply(family: IpFamily, datagram: Uint8Array): void {
    const at = family === 4 ? (datagram[0]! & 0x0f) * 4 : 0;
    if (datagram.length < at + 8) return;
    const type = datagram[at]!;
    if (type !== (family === 4 ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY)) return;
    const id = (datagram[at + 4]! << 8) | datagram[at + 5]!;
    const seq = (datagram[at + 6]! << 8) | datagram[at + 7]!;
    if (id !== this.id || this.pending.get(seq)?.family !== family) return;
    this.settle(seq, { ok: true, reason: "echo reply" });
  }

  private settle(seq: number, result: EchoResult): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    p.resolve(result);
  }
}
