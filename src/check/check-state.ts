// keepalived 2.2.7's verdict on one checker from its results: a failure is retried `retry` times,
// `delayBeforeRetryMs` apart, before the checker goes down; a success brings it up at once. At start the retries
// are already used up (one failure is enough to go down), and under alpha the checker starts down.

import type { CheckTiming } from "./check-definition.ts";

export interface CheckVerdict {
  /** The checker's state after this result. */
  up: boolean;
  /** It changed with this result (the first result counts as a change when it confirms alpha's down). */
  changed: boolean;
  /** When to probe next, from now. */
  nextInMs: number;
  /** A failure that used up the retries (for "failed after N retries" in the log). */
  retriesExhausted: boolean;
}

export class CheckState {
  private upNow: boolean;
  private retriesUsed: number;
  private hasRun = false;

  /** `knownUp`: the state a previous checker reached (a restarted checker carries on from it). */
  constructor(
    private readonly timing: CheckTiming,
    knownUp: boolean | null = null,
  ) {
    this.upNow = knownUp ?? !timing.alpha;
    this.hasRun = knownUp !== null;
    this.retriesUsed = timing.retry;
  }

  get up(): boolean {
    return this.upNow;
  }

  /** Whether a result has been recorded yet (status shows "pending" before). */
  get ran(): boolean {
    return this.hasRun;
  }

  record(success: boolean): CheckVerdict {
    const first = !this.hasRun;
    this.hasRun = true;
    if (!success && this.retriesUsed < this.timing.retry) {
      this.retriesUsed++;
      return { up: this.upNow, changed: false, nextInMs: this.timing.delayBeforeRetryMs, retriesExhausted: false };
    }
    this.retriesUsed = 0;
    const changed = this.upNow !== success || (first && !success);
    this.upNow = success;
    return { up: success, changed, nextInMs: this.timing.delayLoopMs, retriesExhausted: !success && this.timing.retry > 0 };
  }
}
