// epoll(7): one descriptor that reports which of many others are ready, so a caller can wait on thousands of
// sockets with one call that costs what is ready, not what is watched.
import * as C from "./constants.ts";
import { ERRNO, SyscallError } from "./errno.ts";
import { lastErrno, lastError, libc, MAX_EINTR_RETRIES } from "./libc.ts";
import { stableBuffer } from "./socket.ts";
import * as epollEvent from "./structs/epoll-event.ts";

const one = stableBuffer(epollEvent.SIZE);

/** A new epoll descriptor, closed on exec. */
export function epollCreate(): number {
  const fd = libc.epoll_create1(C.EPOLL_CLOEXEC);
  if (fd < 0) throw lastError("epoll_create1");
  return fd;
}

/** EPOLL_CTL_ADD / MOD / DEL of `fd` with `events`; the event's data is `fd` itself. */
export function epollControl(epfd: number, op: number, fd: number, events: number): void {
  epollEvent.encode(one, events, fd);
  if (libc.epoll_ctl(epfd, op, fd, one) !== 0) throw lastError("epoll_ctl");
}

/**
 * Collects up to `out.byteLength / SIZE` ready events into `out` (read them with structs/epoll-event.ts), waiting
 * at most `timeoutMs` (0: not at all). Returns how many; an interrupted wait counts as none.
 */
export function epollWait(epfd: number, out: Uint8Array, timeoutMs: number): number {
  const max = Math.floor(out.byteLength / epollEvent.SIZE);
  for (let attempt = 0; ; attempt++) {
    const n = libc.epoll_wait(epfd, out, max, timeoutMs);
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno !== ERRNO.EINTR) throw new SyscallError("epoll_wait", errno);
    if (attempt >= MAX_EINTR_RETRIES) return 0;
  }
}
