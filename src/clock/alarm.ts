// The scheduler's wakeup: one alarm, set again for every new deadline. The daemon's is a timerfd
// (src/adapters/linux/timerfd-alarm.ts: nanoseconds, no slack); tests and the simulation use one over their Timers.

import type { Timers } from "./timers.ts";

/**
 * A ring that was already on its way may still arrive after cancel() or a new set(): the caller checks its own
 * deadline on every ring (as the scheduler does).
 */
export interface Alarm {
  /** Calls back once, `waitMs` from now (never earlier by the alarm's own clock); replaces any earlier setting. */
  set(waitMs: number): void;
  cancel(): void;
  /** Releases what the alarm holds. Afterwards it never calls back and set() does nothing. */
  close(): Promise<void>;
}

/** Makes the alarm that calls `onAlarm`. */
export type AlarmFactory = (onAlarm: () => void) => Alarm;

/** An alarm over setTimeout-like timers (whole milliseconds in Bun, rounded up by realTimers). */
export function timersAlarm(timers: Timers): AlarmFactory {
  return (onAlarm) => {
    let handle: unknown = null;
    let closed = false;
    const ring = () => {
      handle = null;
      onAlarm();
    };
    const cancel = () => {
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
    };
    return {
      set(waitMs) {
        if (closed) return;
        cancel();
        handle = timers.setTimeout(ring, waitMs);
      },
      cancel,
      close: async () => {
        cancel();
        closed = true;
      },
    };
  };
}
