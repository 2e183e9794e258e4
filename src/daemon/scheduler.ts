// One timer for the whole daemon: armed for the core's earliest deadline, re-armed after every event. Lateness
// is measured, because a late advert on a short interval is how spurious failovers start.

import type { Timers } from "../clock/timers.ts";

export interface SchedulerStats {
  fired: number;
  /** Fired more than 10 ms after its deadline. */
  late: number;
  maxLatenessMs: number;
}

export class Scheduler {
  readonly stats: SchedulerStats = { fired: 0, late: 0, maxLatenessMs: 0 };
  private handle: unknown = null;
  private armedFor = Infinity;
  // One callback for every arming: re-arming once per advert allocates no closure.
  private readonly onTimer = () => this.fire(this.armedFor);

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
    this.handle = this.timers.setTimeout(this.onTimer, deadline - this.timers.now());
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
