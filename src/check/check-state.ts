// keepalived 2.2.7's verdict on one checker from its results: a failure is retried `retry` times,
// `delayBeforeRetryMs` apart, before the checker goes down; a success brings it up at once. At start the retries
// are already used up (one failure is enough to go down), and under alpha the checker starts down. An HTTP check
// that is down comes back only after a second pass (keepalived checks the failed url, then every url again from
// the first, delay_loop apart; fast_recovery runs that second pass at once): `recoveryConfirmMs` is that delay.

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
  /** A pass while down was seen; the next one brings the checker up. */
  private confirming = false;

  /**
   * `knownUp`: the state a previous checker reached (a restarted checker carries on from it). `recoveryConfirmMs`:
   * null, a pass brings a down checker up at once; else it takes a second pass, this long after the first.
   */
  constructor(
    private readonly timing: CheckTiming,
    knownUp: boolean | null = null,
    private readonly recoveryConfirmMs: number | null = null,
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
    const confirmed = this.confirming;
    this.confirming = false;
    if (success && !this.upNow && !first && !confirmed && this.recoveryConfirmMs !== null) {
      this.confirming = true;
      return { up: false, changed: false, nextInMs: this.recoveryConfirmMs, retriesExhausted: false };
    }
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
