// An in-process checker for tests: the SpawnChecker the daemon uses, running the real CheckRunner on the test's
// clock with probe results the test sets per target ("198.51.100.1:80" → up or not). It can be made to crash or
// to go silent, like a real checker process.

import type { CheckReport, PlannedCheck } from "../../src/check/check-runner.ts";
import { CheckRunner } from "../../src/check/check-runner.ts";
import { promisedProbe } from "./promised-probe.ts";
import type { CheckerChannel, CheckerEvents, SpawnChecker } from "../../src/check/checker-process.ts";
import type { Timers } from "../../src/clock/timers.ts";

export class FakeChecker {
  /** Probe outcome per target; a target not listed passes. */
  readonly targets = new Map<string, { ok: boolean; weight?: number }>();
  spawned = 0;
  probes = 0;
  private current: { runner: CheckRunner; events: CheckerEvents; silent: boolean } | null = null;

  constructor(private readonly timers: Timers) {}

  readonly spawn: SpawnChecker = (events) => {
    this.spawned++;
    const entry = { runner: null as unknown as CheckRunner, events, silent: false };
    entry.runner = new CheckRunner(
      promisedProbe(async (c) => this.probe(c)),
      (report: CheckReport) => {
        if (!entry.silent) events.onMessage({ type: "report", report });
      },
      this.timers,
      () => 0,
    );
    this.current = entry;
    const beat = () => {
      if (this.current !== entry) return;
      if (!entry.silent) events.onMessage({ type: "beat" });
      this.timers.setTimeout(beat, 250);
    };
    beat();
    const channel: CheckerChannel = {
      pid: 1000 + this.spawned,
      send: (m) => entry.runner.plan(m.checks),
      kill: () => {
        entry.runner.stop();
        if (this.current === entry) this.current = null;
      },
    };
    return channel;
  };

  /** The process dies on its own. */
  crash(code = 70): void {
    const entry = this.current;
    if (!entry) throw new Error("no checker running");
    entry.runner.stop();
    this.current = null;
    entry.events.onExit(code, null);
  }

  /** The process hangs: no more heartbeats or reports. */
  hang(): void {
    if (!this.current) throw new Error("no checker running");
    this.current.silent = true;
  }

  get running(): boolean {
    return this.current !== null;
  }

  private async probe(c: PlannedCheck) {
    this.probes++;
    const d = c.definition;
    const target = d.kind === "MISC_CHECK" ? d.command : `${d.connect.address}:${d.connect.port}`;
    const set = this.targets.get(target) ?? { ok: true };
    return { ok: set.ok, reason: set.ok ? "connected" : "ECONNREFUSED", weight: set.weight ?? null };
  }
}
