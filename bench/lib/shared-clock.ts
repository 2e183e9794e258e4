// A clock two processes on one machine can compare. process.hrtime.bigint() cannot be used for that in Bun: it
// counts from the process's own start (measured: two processes' readings 12.6 s apart at the same instant).
// performance.timeOrigin (the wall clock when the process started, µs precision) + performance.now() (monotonic
// since then) is comparable: NTP slewing moves CLOCK_REALTIME and CLOCK_MONOTONIC alike, so only a clock step
// between the two processes' starts would offset them. The latency phase checks this on every run.

/** Milliseconds (µs resolution; a double at 1.8e12 ms still resolves 0.25 µs). */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}
