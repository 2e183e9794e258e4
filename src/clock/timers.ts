// The only clock and timer source of the daemon, injectable so that the driver and the trackers can run on a
// fake clock in tests. The core never sees it: it gets `nowMs` arguments.

export interface Timers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  // setTimeout truncates fractional delays; round up so a deadline is never fired early.
  setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, Math.ceil(ms))),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
