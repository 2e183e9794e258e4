// One timer for the whole daemon: armed for the core's earliest deadline, re-armed after every event. Lateness
// is measured, because a late advert on a short interval is how spurious failovers start.
//
// A long wait is armed in two stages. Linux lets a timed epoll wait end up to 0.1 % of its length late (the
// "slack" it grants non-real-time tasks so wakeups can be batched): Master_Down_Interval at 1 s adverts (≈ 3.45 s)
// fired ≈ 4.7 ms late, where keepalived's timerfd fires within 0.3 ms. So a wait longer than LONG_WAIT_MS stops
// short of the deadline by a guard larger than that slack, and the short remainder (slack ≈ 50 µs) ends on time.
// Shorter waits keep their slack (≤ 1.1 ms): for a MASTER at 1 s adverts a second wakeup per advert would cost
// more idle CPU than a millisecond on an advert is worth.

import type { Timers } from "../clock/timers.ts";

export interface SchedulerStats {
  fired: number;
  /** Fired more than 10 ms after its deadline. */
  late: number;
  maxLatenessMs: number;
}

/** Waits up to this long are armed in one go (their slack is at most 1.1 ms). */
export const LONG_WAIT_MS = 1100;

/** How far before the deadline a long wait stops: twice its worst slack, plus the 1 ms rounding of setTimeout. */
export function earlyStopMs(waitMs: number): number {
  return waitMs / 500 + 2;
}

export class Scheduler {
  readonly stats: SchedulerStats = { fired: 0, late: 0, maxLatenessMs: 0 };
  private handle: unknown = null;
  private armedFor = Infinity;
  // One callback for every arming: re-arming once per advert allocates no closure.
  private readonly onTimer = () => this.wake();

  constructor(
    private readonly timers: Timers,
    private readonly onDeadline: (deadline: number) => void,
  ) {}

  /** Arms the timer for `deadline` (absolute, on the timers' clock); Infinity disarms it. */
  arm(deadline: number): void {
    if (deadline === this.armedFor) return;
    this.disarm();
    if (deadline === Infinity) return;
    this.armedFor = deadline;
    this.setTimer(deadline);
  }

  private setTimer(deadline: number): void {
    const wait = deadline - this.timers.now();
    this.handle = this.timers.setTimeout(this.onTimer, wait > LONG_WAIT_MS ? wait - earlyStopMs(wait) : wait);
  }

  private wake(): void {
    this.handle = null;
    // The first stage of a long wait: arm the remainder.
    if (this.timers.now() < this.armedFor) this.setTimer(this.armedFor);
    else this.fire(this.armedFor);
  }

  disarm(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
    this.armedFor = Infinity;
  }

  private fire(deadline: number): void {
    this.handle = null;
    this.armedFor = Infinity;
    const lateness = this.timers.now() - deadline;
    this.stats.fired++;
    if (lateness > 10) this.stats.late++;
    if (lateness > this.stats.maxLatenessMs) this.stats.maxLatenessMs = lateness;
    this.onDeadline(deadline);
  }
}
