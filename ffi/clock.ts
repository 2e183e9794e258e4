// clock_gettime(2). Bun's own clocks count from process start (process.hrtime, performance.now): systemd wants
// CLOCK_MONOTONIC itself in RELOADING=1's MONOTONIC_USEC.
import * as C from "./constants.ts";
import { lastError, libc } from "./libc.ts";
import { stableBuffer } from "./socket.ts";
import * as timespec from "./structs/timespec.ts";

const now = stableBuffer(timespec.SIZE);

/** CLOCK_MONOTONIC in whole microseconds. */
export function monotonicMicroseconds(): number {
  if (libc.clock_gettime(C.CLOCK_MONOTONIC, now) !== 0) throw lastError("clock_gettime(CLOCK_MONOTONIC)");
  return timespec.toMicroseconds(now);
}
