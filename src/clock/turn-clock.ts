// The checker process's clock: read once per event-loop turn, as keepalived's checker reads it once per wakeup.
// A TCP check asked for the time six times (its start, its deadline, its end, the report filter, the next run,
// the pacer's budget). Where the clock is cheap that costs nothing; under the VM's emulation it is not: the
// guest's clocksource is refined-jiffies, so every read is a system call, ≈ 1.8 µs of CPU (1.6 of them counted as
// user time), ≈ 1 % of a core at 1,000 checks a second (bench/checkers.ts).
//
// now() gives the time of the turn's first read, or of the last refresh() since: never later than the real time,
// at most one turn's work earlier. What must not come early reads afresh (a check's deadline starts from
// refresh()); what is stamped with a stale time only comes a little earlier (the next run's due time) or is
// reported a little longer (a check's duration). Never for VRRP: its timers stay on realTimers.

import type { Timers } from "./timers.ts";
import { realTimers } from "./timers.ts";

export class TurnClock {
  private cached = 0;
  private fresh = false;
  /** Queued once per turn in which the clock was read: the next turn reads afresh. */
  private readonly expire = () => {
    this.fresh = false;
  };

  constructor(private readonly read: () => number = () => performance.now()) {}

  /** The time as of this turn's first read (or its last refresh()). */
  now(): number {
    return this.fresh ? this.cached : this.refresh();
  }

  /** Reads the clock; now() gives this value for the rest of the turn (until the next refresh()). */
  refresh(): number {
    this.cached = this.read();
    if (!this.fresh) {
      this.fresh = true;
      queueMicrotask(this.expire);
    }
    return this.cached;
  }
}

/** The checker process's one clock (the exchanges' deadlines, the poller's ticks, the runner's schedule). */
export const turnClock = new TurnClock();

/** Timers whose now() is the turn clock's; `refresh` reads afresh (the pacer's budget). */
export interface TurnTimers extends Timers {
  refresh(): number;
}

export const turnTimers: TurnTimers = {
  now: () => turnClock.now(),
  refresh: () => turnClock.refresh(),
  setTimeout: realTimers.setTimeout,
  clearTimeout: realTimers.clearTimeout,
};
