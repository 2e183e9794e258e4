// keepalived's vrrp_script: a command run every interval; `fall` consecutive failures make it down, `rise`
// consecutive successes make it up again. A failure is a non-zero exit, a signal, a timeout or a program
// that cannot start. Runs never overlap and never block the daemon: a hung script is killed at its timeout.

import { realTimers, type Timers } from "../clock/timers.ts";
import type { CommandRunner, RunResult } from "../process/run-command.ts";

export interface ScriptCheck {
  name: string;
  argv: readonly string[];
  intervalMs: number;
  /** Default: the interval, so that a hung script cannot delay its next run. */
  timeoutMs?: number;
  rise: number;
  fall: number;
  /** keepalived's init_fail: start as down until `rise` successes. */
  initFail: boolean;
  uid?: number;
  gid?: number;
}

export interface ScriptTrackerEvents {
  /** The tracked state changed. */
  changed(name: string, up: boolean, last: RunResult): void;
  /** Every finished run (a debug line; the tracker's status shows the last one). */
  ran?(name: string, result: RunResult): void;
}

export class ScriptTracker {
  up: boolean;
  runs = 0;
  /** How long the last finished run took, for status and metrics. */
  lastDurationMs: number | null = null;
  private successes = 0;
  private failures = 0;
  private running = false;
  private stopped = true;
  private timer: unknown = null;
  private nextRunAt = 0;

  constructor(
    readonly check: ScriptCheck,
    private readonly run: CommandRunner,
    private readonly events: ScriptTrackerEvents,
    private readonly timers: Timers = realTimers,
  ) {
    this.up = !check.initFail;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.nextRunAt = this.timers.now();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => void this.tick(), this.nextRunAt - this.timers.now());
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    // Runs are due at start + k·interval; a run that took longer than an interval skips the missed slots.
    const interval = this.check.intervalMs;
    const now = this.timers.now();
    do this.nextRunAt += interval;
    while (this.nextRunAt <= now);
    if (this.running) {
      this.schedule();
      return;
    }
    this.running = true;
    this.schedule();
    const result = await this.run({
      argv: this.check.argv,
      uid: this.check.uid,
      gid: this.check.gid,
      timeoutMs: this.check.timeoutMs ?? interval,
    });
    this.running = false;
    if (this.stopped) return;
    this.record(result);
  }

  private record(result: RunResult): void {
    this.runs++;
    this.lastDurationMs = result.durationMs;
    this.events.ran?.(this.check.name, result);
    const ok = result.exitCode === 0 && !result.timedOut;
    if (ok) {
      this.failures = 0;
      this.successes++;
      if (!this.up && this.successes >= this.check.rise) this.setUp(true, result);
    } else {
      this.successes = 0;
      this.failures++;
      if (this.up && this.failures >= this.check.fall) this.setUp(false, result);
    }
  }

  private setUp(up: boolean, result: RunResult): void {
    this.up = up;
    this.events.changed(this.check.name, up, result);
  }
}
