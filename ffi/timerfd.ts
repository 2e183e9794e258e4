// timerfd(2): a timer the kernel reports through a descriptor, so Bun's event loop can wait on it like a socket.
// Unlike a timed epoll wait it keeps nanoseconds and gets no slack (epoll ends a wait up to 0.1 % of its length
// late, and setTimeout counts whole milliseconds).
import * as C from "./constants.ts";
import { lastError, libc } from "./libc.ts";
import { stableBuffer } from "./socket.ts";
import * as itimerspec from "./structs/itimerspec.ts";

const spec = stableBuffer(itimerspec.SIZE);

/** A non-blocking CLOCK_MONOTONIC timerfd, closed on exec. */
export function openTimerFd(): number {
  const fd = libc.timerfd_create(C.CLOCK_MONOTONIC, C.TFD_NONBLOCK | C.TFD_CLOEXEC);
  if (fd < 0) throw lastError("timerfd_create");
  return fd;
}

/** Expires once, `waitMs` from now (fractions kept to the nanosecond; ≤ 0 means at once); replaces any arming. */
export function armTimerFd(fd: number, waitMs: number): void {
  // An all-zero value would disarm: "at once" is one nanosecond.
  setTimerFd(fd, Math.max(1, Math.round(waitMs * 1e6)));
}

export function disarmTimerFd(fd: number): void {
  setTimerFd(fd, 0);
}

function setTimerFd(fd: number, valueNs: number): void {
  itimerspec.encodeOneShot(spec, valueNs);
  if (libc.timerfd_settime(fd, 0, spec, null) !== 0) throw lastError("timerfd_settime");
}
