// A full collection once enough scripts have run, at a moment when no instance's deadline is near.
//
// Why: script runs leave garbage that JavaScriptCore barely counts (pipe buffers, the run's promises, its log
// lines), so nothing triggers a collection before the garbage-collection timer's round (once a minute, see
// runtime-env.ts; a 10 s timer did no better and costs an idle daemon CPU). With 100 instances tracking a flapping
// script, the anonymous memory saw-toothed 10–16 MiB between rounds; a heap dump over 45 runs held ≈ 3.5 MB of
// discarded buffers. runCommand now leaves ≈ 12 KB per run instead of ≈ 65 KB (Bun.spawn instead of
// node:child_process), and this bounds the rest: a collection every RUNS_PER_COLLECTION runs costs ≈ 4 ms at 100
// instances (collect-garbage.ts), ≈ 0.01 % of a core with a script every second, and nothing at all for a daemon
// that runs no scripts (no timer is armed without a run).

import type { Timers } from "../clock/timers.ts";
import type { CommandRunner } from "../process/run-command.ts";

/** Half a minute of a script run every second: the garbage between collections stays well under a MiB. */
export const RUNS_PER_COLLECTION = 30;
/**
 * The next VRRP deadline must be at least this far off: a collection takes ≈ 4 ms at 100 instances, and on a busy
 * host several times that; a takeover or an advert must never wait behind one.
 */
export const QUIET_MS = 50;
/** When a deadline is near, look again this much later… */
export const RETRY_MS = 100;
/** …a bounded number of times; the next script run starts over (and the GC timer still runs meanwhile). */
export const MAX_ATTEMPTS = 10;

export interface IdleCollectionDeps {
  timers: Timers;
  /** The core's earliest deadline on the timers' clock (Infinity when none). */
  nextDeadline: () => number;
  collect: () => void;
}

export class IdleCollection {
  private runsSinceCollection = 0;
  private attempts = 0;
  private pending: unknown = null;
  private stopped = false;

  constructor(private readonly deps: IdleCollectionDeps) {}

  /** `runner`, counting its runs; a collection may follow a run once its result has been handled. */
  counting(runner: CommandRunner): CommandRunner {
    return async (options) => {
      const result = await runner(options);
      this.ran();
      return result;
    };
  }

  /** No collection from now on; a pending look is cancelled. */
  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private ran(): void {
    this.runsSinceCollection++;
    if (this.runsSinceCollection < RUNS_PER_COLLECTION || this.stopped) return;
    this.attempts = 0;
    // Not at once: whoever awaited the run (a tracker, then maybe a state change) goes first.
    if (this.pending === null) this.pending = this.deps.timers.setTimeout(() => this.look(), 0);
  }

  private look(): void {
    this.pending = null;
    if (this.stopped) return;
    if (this.deps.nextDeadline() - this.deps.timers.now() >= QUIET_MS) {
      this.runsSinceCollection = 0;
      this.deps.collect();
      return;
    }
    if (++this.attempts < MAX_ATTEMPTS) this.pending = this.deps.timers.setTimeout(() => this.look(), RETRY_MS);
  }

  private cancel(): void {
    if (this.pending !== null) this.deps.timers.clearTimeout(this.pending);
    this.pending = null;
  }
}
