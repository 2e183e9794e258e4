// Runs each distinct check on its own schedule (keepalived's timing: a random warmup, then delay_loop, or
// delay_before_retry while retrying) and reports every result with the checker's verdict. One probe per key:
// real servers sharing a check share its runs. Runs never overlap for one key; a check removed while it runs has
// its result dropped. Lives in the checker process, away from the VRRP event loop.

import type { Timers } from "../clock/timers.ts";
import type { ProbedCheck } from "./check-definition.ts";
import { CheckState } from "./check-state.ts";
import type { Due } from "./due-queue.ts";
import { checkerError, type ProbeDone, type ProbeResult } from "./probes/probe-result.ts";
import { MAX_STARTS_PER_TURN, START_GRID_MS, StartPacer, TURN_BUDGET_MS } from "./start-pacer.ts";

export interface PlannedCheck {
  key: string;
  definition: ProbedCheck;
  /** The state the daemon last knew (a restarted checker carries on from it); null: none yet. */
  knownUp: boolean | null;
  /** MISC_CHECK: the ids its program runs as, resolved by the daemon. */
  uid?: number;
  gid?: number;
}

export interface CheckReport {
  key: string;
  /** This run passed. */
  ok: boolean;
  /** The checker's state after it (retries considered). */
  up: boolean;
  /** The state changed with this run. */
  changed: boolean;
  reason: string;
  /** The weight this run asked for (misc_dynamic), null: the configured one; meaningful only when ok. */
  weight: number | null;
  durationMs: number;
}

/** Starts one run of `check` and calls `done` once with its result, at once or later. */
export type Probe = (check: PlannedCheck, done: ProbeDone) => void;

interface Entry extends Due {
  check: PlannedCheck;
  state: CheckState;
  running: boolean;
  /** When the run in progress started. */
  startedMs: number;
  /** Made once per check, so that a run allocates no callback. */
  done: ProbeDone;
}

export class CheckRunner {
  private readonly entries = new Map<string, Entry>();
  /** The one timer for every check's next run; a removed check left in it is skipped when it comes up. */
  private readonly pacer: StartPacer<Entry>;
  private stopped = false;

  constructor(
    private readonly probe: Probe,
    private readonly report: (report: CheckReport) => void,
    private readonly timers: Timers,
    private readonly random: () => number = Math.random,
  ) {
    this.pacer = new StartPacer<Entry>(timers, (entry) => this.run(entry), MAX_STARTS_PER_TURN, TURN_BUDGET_MS, START_GRID_MS);
  }

  /** Keeps the checks whose key is planned (their state and schedule), starts new ones, drops the rest. */
  plan(checks: readonly PlannedCheck[]): void {
    const wanted = new Map(checks.map((c) => [c.key, c]));
    for (const key of this.entries.keys()) if (!wanted.has(key)) this.entries.delete(key);
    for (const check of checks) {
      const existing = this.entries.get(check.key);
      if (existing) {
        existing.check = check; // ids may have been resolved anew
        continue;
      }
      const state = new CheckState(check.definition.timing, check.knownUp, recoveryConfirmMs(check.definition));
      const entry: Entry = { check, state, running: false, dueMs: 0, order: 0, startedMs: 0, done: () => undefined };
      entry.done = (result) => this.finished(entry, result);
      this.entries.set(check.key, entry);
      this.schedule(entry, this.random() * check.definition.timing.warmupMs);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  stop(): void {
    this.stopped = true;
    this.pacer.clear();
    this.entries.clear();
  }

  private schedule(entry: Entry, inMs: number): void {
    this.pacer.after(entry, inMs);
  }

  private run(entry: Entry): void {
    if (this.stopped || entry.running || this.entries.get(entry.check.key) !== entry) return;
    entry.running = true;
    entry.startedMs = this.timers.now();
    try {
      this.probe(entry.check, entry.done);
    } catch (e) {
      // A probe is written never to throw; if one does, it is a failed check with the reason, not a stalled one.
      entry.done(checkerError(e));
    }
  }

  private finished(entry: Entry, result: ProbeResult): void {
    // Probes answer once (an exchange ends once; settle() resolves once); a second answer, from a faulty probe, is
    // dropped when it comes before the next run starts.
    if (!entry.running) return;
    entry.running = false;
    if (this.stopped || this.entries.get(entry.check.key) !== entry) return;
    const verdict = entry.state.record(result.ok);
    this.report({
      key: entry.check.key,
      ok: result.ok,
      up: verdict.up,
      changed: verdict.changed,
      reason: result.reason,
      weight: result.weight,
      durationMs: this.timers.now() - entry.startedMs,
    });
    this.schedule(entry, verdict.nextInMs);
  }
}

/** keepalived's HTTP checks need a second pass to bring a down server back (see check-state.ts); the others none. */
function recoveryConfirmMs(check: ProbedCheck): number | null {
  if (check.kind !== "HTTP_GET" && check.kind !== "SSL_GET") return null;
  return check.fastRecovery ? 0 : check.timing.delayLoopMs;
}
