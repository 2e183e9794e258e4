// The runner on a fake clock with scripted probes: one run per key however many servers share it, keepalived's
// schedule (warmup, delay_loop, delay_before_retry), no overlapping runs, a removed check's late result dropped.

import { describe, expect, test } from "bun:test";
import type { ProbedCheck } from "../../src/check/check-definition.ts";
import { type CheckReport, CheckRunner, type PlannedCheck } from "../../src/check/check-runner.ts";
import { promisedProbe } from "./promised-probe.ts";
import type { ProbeResult } from "../../src/check/probes/probe-result.ts";
import { FakeTimers } from "../clock/fake-timers.ts";

const tcp = (port: number, over: Partial<ProbedCheck["timing"]> = {}): ProbedCheck => ({
  kind: "TCP_CHECK",
  timing: { delayLoopMs: 6000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 0, alpha: false, ...over },
  connect: {
    address: "198.51.100.1",
    family: 4,
    port,
    bindAddress: null,
    bindPort: null,
    bindInterface: null,
    fwmark: null,
    timeoutMs: 3000,
  },
});
const planned = (key: string, definition: ProbedCheck, knownUp: boolean | null = null): PlannedCheck => ({ key, definition, knownUp });

function setup(outcomes: Record<string, boolean[]>) {
  const timers = new FakeTimers();
  const reports: (CheckReport & { at: number })[] = [];
  const runs: { key: string; at: number }[] = [];
  const probe = async (c: PlannedCheck): Promise<ProbeResult> => {
    runs.push({ key: c.key, at: timers.now() });
    const ok = outcomes[c.key]?.shift() ?? true;
    return { ok, reason: ok ? "connected" : "ECONNREFUSED", weight: null };
  };
  const runner = new CheckRunner(
    promisedProbe(probe),
    (r) => reports.push({ ...r, at: timers.now() }),
    timers,
    () => 0.5,
  );
  const advance = async (ms: number) => {
    for (let i = 0; i < ms / 100; i++) {
      timers.advance(100);
      await Promise.resolve();
      await Promise.resolve();
    }
  };
  return { timers, runner, reports, runs, advance };
}

describe("CheckRunner", () => {
  test("first run after half the warmup (random 0.5), then every delay_loop; retries delay_before_retry apart", async () => {
    const { runner, runs, reports, advance } = setup({ a: [true, false, false, true] });
    runner.plan([planned("a", tcp(80, { warmupMs: 2000 }))]);
    await advance(20_000);
    expect(runs.map((r) => r.at)).toEqual([1000, 7000, 8000, 14_000, 20_000]);
    expect(reports.map((r) => [r.ok, r.up, r.changed])).toEqual([
      [true, true, false],
      [false, true, false],
      [false, false, true],
      [true, true, true],
      [true, true, false],
    ]);
  });

  test("a key planned twice runs once; a new plan keeps existing schedules and drops what is gone", async () => {
    const { runner, runs, advance } = setup({});
    runner.plan([planned("a", tcp(80)), planned("a", tcp(80)), planned("b", tcp(81))]);
    expect(runner.size).toBe(2);
    await advance(100);
    expect(runs.map((r) => r.key).sort()).toEqual(["a", "b"]);
    runner.plan([planned("a", tcp(80))]);
    await advance(6000);
    expect(runs.map((r) => r.key)).toEqual(["a", "b", "a"]);
    expect(runs.at(-1)!.at).toBe(6100);
  });

  test("a restarted checker carries on from the state the daemon knew (down stays down until a pass)", async () => {
    const { runner, reports, advance } = setup({ a: [false] });
    runner.plan([planned("a", tcp(80), false)]);
    await advance(100);
    expect(reports[0]).toMatchObject({ ok: false, up: false, changed: false });
  });

  test("runs never overlap, and the result of a check removed meanwhile is dropped", async () => {
    const timers = new FakeTimers();
    const reports: CheckReport[] = [];
    let release: (r: ProbeResult) => void = () => undefined;
    let started = 0;
    const probe = () => {
      started++;
      return new Promise<ProbeResult>((resolve) => (release = resolve));
    };
    const runner = new CheckRunner(
      promisedProbe(probe),
      (r) => reports.push(r),
      timers,
      () => 0,
    );
    runner.plan([planned("a", tcp(80, { delayLoopMs: 100 }))]);
    timers.advance(1000);
    await Promise.resolve();
    expect(started).toBe(1);
    runner.plan([]);
    release({ ok: true, reason: "connected", weight: null });
    await Promise.resolve();
    await Promise.resolve();
    expect(reports).toEqual([]);
  });

  test("a probe that throws is a failed check with the reason, and the schedule goes on", async () => {
    const timers = new FakeTimers();
    const reports: CheckReport[] = [];
    const runner = new CheckRunner(
      promisedProbe(async () => {
        throw new Error("boom");
      }),
      (r) => reports.push(r),
      timers,
      () => 0,
    );
    runner.plan([planned("a", tcp(80, { retry: 0 }))]);
    for (let i = 0; i < 3; i++) {
      timers.advance(6000);
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports[0]).toMatchObject({ ok: false, up: false, reason: "checker error: boom" });
  });

  test("a probe may answer at once, throw before answering, or answer twice: one report per run each time", () => {
    const timers = new FakeTimers();
    const reports: CheckReport[] = [];
    let runs = 0;
    const runner = new CheckRunner(
      (check, done) => {
        runs++;
        if (check.key === "throws") throw new Error("no socket");
        done({ ok: true, reason: "connected", weight: null });
        if (check.key === "twice") done({ ok: false, reason: "ECONNREFUSED", weight: null });
      },
      (r) => reports.push(r),
      timers,
      () => 0,
    );
    runner.plan([
      planned("at-once", tcp(80, { retry: 0 })),
      planned("throws", tcp(81, { retry: 0 })),
      planned("twice", tcp(82, { retry: 0 })),
    ]);
    // No microtask needed: answered at once, reported at once, and the next run scheduled delay_loop later.
    timers.advance(100);
    timers.advance(6000);
    expect(runs).toBe(6);
    const byKey = (key: string) => reports.filter((r) => r.key === key).map((r) => [r.ok, r.reason]);
    expect(byKey("at-once")).toEqual([
      [true, "connected"],
      [true, "connected"],
    ]);
    expect(byKey("throws")).toEqual([
      [false, "checker error: no socket"],
      [false, "checker error: no socket"],
    ]);
    expect(byKey("twice")).toEqual([
      [true, "connected"],
      [true, "connected"],
    ]);
  });
});
