// A bound AF_UNIX datagram socket standing in for systemd's notification socket (tests only).

import {
  AF_UNIX,
  bindSocket,
  closeFd,
  openSocket,
  POLLIN,
  pollOne,
  recvFrom,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  sockaddrUn,
} from "../../ffi/index.ts";

export class NotifyReceiver {
  readonly fd = openSocket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  private readonly buf = new Uint8Array(4096);

  constructor(readonly address: string) {
    const encoded = sockaddrUn.encode(address);
    if (!encoded.ok) throw new Error(encoded.reason);
    bindSocket(this.fd, encoded.bytes);
  }

  /** The next datagram as text, waiting at most `timeoutMs` (blocking: keep it short); null when none came. */
  next(timeoutMs = 1000): string | null {
    if ((pollOne(this.fd, POLLIN, timeoutMs) & POLLIN) === 0) return null;
    const n = recvFrom(this.fd, this.buf);
    return n === null ? null : new TextDecoder().decode(this.buf.subarray(0, n));
  }

  /** Waits without blocking the event loop (bounded) for a datagram `accept` takes; every datagram seen is kept. */
  async waitFor(accept: (message: string) => boolean, timeoutMs: number, seen: string[] = []): Promise<string | null> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      for (let message = this.next(0); message !== null; message = this.next(0)) {
        seen.push(message);
        if (accept(message)) return message;
      }
      await Bun.sleep(10);
    }
    return null;
  }

  close(): void {
    closeFd(this.fd);
  }
}
