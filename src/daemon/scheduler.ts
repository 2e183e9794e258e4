// One timer for the whole daemon: armed for the core's earliest deadline, re-armed after every event. Lateness
// is measured, because a late advert on a short interval is how spurious failovers start.
//
// The daemon's alarm is a timerfd: setTimeout counts whole milliseconds and a timed epoll wait may end 0.1 % of
// its length late (Master_Down_Interval at 1 s adverts fired ≈ 4.7 ms late), where keepalived's timerfd fires
// within a fraction of a millisecond.

import type { Alarm, AlarmFactory } from "../clock/alarm.ts";
import type { Timers } from "../clock/timers.ts";

export interface SchedulerStats {
  fired: number;
  /** Fired more than 10 ms after its deadline. */
  late: number;
  maxLatenessMs: number;
}

export class Scheduler {
  readonly stats: SchedulerStats = { fired: 0, late: 0, maxLatenessMs: 0 };
  private readonly alarm: Alarm;
  private armedFor = Infinity;

  constructor(
    private readonly timers: Timers,
    alarms: AlarmFactory,
    private readonly onDeadline: (deadline: number) => void,
  ) {
    this.alarm = alarms(() => this.wake());
  }

  /** Arms the timer for `deadline` (absolute, on the timers' clock); Infinity disarms it. */
  arm(deadline: number): void {
    if (deadline === this.armedFor) return;
    if (deadline === Infinity) {
      this.disarm();
      return;
    }
    this.armedFor = deadline;
    this.alarm.set(deadline - this.timers.now());
  }

  disarm(): void {
    this.alarm.cancel();
    this.armedFor = Infinity;
  }

  /**
   * Runs a deadline that is already due whose alarm has not been read yet: before a long piece of work (a reload),
   * so that a due advert is not queued behind it. The alarm's own ring comes later and finds nothing due.
   */
  catchUp(): void {
    if (this.armedFor !== Infinity && this.timers.now() >= this.armedFor) this.wake();
  }

  /** Disarms for good and releases the alarm. */
  close(): Promise<void> {
    this.disarm();
    return this.alarm.close();
  }

  private wake(): void {
    // An expiry already on its way when the alarm was cancelled or set again: only the current deadline counts.
    if (this.armedFor === Infinity) return;
    const now = this.timers.now();
    // Early by our clock (the alarm's clock may differ by microseconds, or the expiry was a stale one): wait the rest.
    if (now < this.armedFor) {
      this.alarm.set(this.armedFor - now);
      return;
    }
    const deadline = this.armedFor;
    this.armedFor = Infinity;
    const lateness = now - deadline;
    this.stats.fired++;
    if (lateness > 10) this.stats.late++;
    if (lateness > this.stats.maxLatenessMs) this.stats.maxLatenessMs = lateness;
    this.onDeadline(deadline);
  }
}
