// A full collection once enough scripts have run, at a moment when no instance's deadline is near.
//
// Why: every script run leaves ≈ 80 KB of discarded buffers (the child's pipes and streams, a heap dump over 45 runs
// held ≈ 3.5 MB of them). JavaScriptCore barely counts that memory, so with a tracker flapping the daemon's
// anonymous memory saw-toothed 10–16 MiB between the garbage-collection timer's rounds (once a minute, see
// runtime-env.ts; a 10 s timer did no better and costs an idle daemon CPU). Collecting every RUNS_PER_COLLECTION
// runs keeps that garbage to ≈ 1.5 MB for ≈ 4 ms per collection at 100 instances (collect-garbage.ts), and costs
// an idle daemon nothing: without script runs there is no timer at all.
// Rewriting runCommand over Bun.spawn was the other option; its behaviour (timeouts, process groups, users, the
// stderr grace) is tested as it stands, while this leaves it untouched and bounds the garbage of any other
// allocation-heavy work a script run triggers (notify lines, log lines).

import type { Timers } from "../clock/timers.ts";
import type { CommandRunner } from "../process/run-command.ts";

/** ≈ 80 KB of garbage per run: collecting every 20 runs keeps it near 1.5 MB. */
export const RUNS_PER_COLLECTION = 20;
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
