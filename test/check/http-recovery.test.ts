// keepalived's HTTP_GET / SSL_GET recovery: a down server comes back after a second pass (keepalived checks the
// failed url, then every url again from the first, delay_loop apart); fast_recovery runs that pass at once. Other
// kinds, and the first run, come up on one pass.

import { describe, expect, test } from "bun:test";
import type { HttpCheck, ProbedCheck } from "../../src/check/check-definition.ts";
import { type CheckReport, CheckRunner, type PlannedCheck } from "../../src/check/check-runner.ts";
import { promisedProbe } from "./promised-probe.ts";
import { CheckState } from "../../src/check/check-state.ts";
import type { ProbeResult } from "../../src/check/probes/probe-result.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { httpUrl } from "./http-url.ts";

const timing = { delayLoopMs: 6000, retry: 0, delayBeforeRetryMs: 1000, warmupMs: 0, alpha: false };
// bindInterface and fwmark: the ConnectTarget of main since bind_if/fwmark (extra keys are harmless before it).
const connect = {
  address: "198.51.100.1",
  family: 4 as const,
  port: 80,
  bindAddress: null,
  bindPort: null,
  bindInterface: null,
  fwmark: null,
  timeoutMs: 3000,
};
const http = (fastRecovery: boolean): HttpCheck => ({
  kind: "HTTP_GET",
  timing,
  connect,
  urls: [httpUrl()],
  httpProtocol: "1.0",
  virtualhost: null,
  enableSni: false,
  fastRecovery,
});

/** Runs `check` against scripted results; returns when each run happened and what the runner reported. */
async function run(check: ProbedCheck, outcomes: boolean[], ms: number) {
  const timers = new FakeTimers();
  const reports: (CheckReport & { at: number })[] = [];
  const probe = async (_c: PlannedCheck): Promise<ProbeResult> => {
    const ok = outcomes.shift() ?? true;
    return { ok, reason: ok ? "HTTP 200" : "HTTP 500", weight: null };
  };
  const runner = new CheckRunner(
    promisedProbe(probe),
    (r) => reports.push({ ...r, at: timers.now() }),
    timers,
    () => 0,
  );
  runner.plan([{ key: "k", definition: check, knownUp: null }]);
  for (let i = 0; i <= ms / 100; i++) {
    timers.advance(i === 0 ? 0 : 100);
    // Twice: a run scheduled 0 ms after a result runs before the clock moves on.
    for (let again = 0; again < 2; again++) {
      await Promise.resolve();
      await Promise.resolve();
      timers.advance(0);
    }
  }
  runner.stop();
  return reports.map((r) => `${r.at} ${r.ok ? "pass" : "fail"} ${r.up ? "up" : "down"}`);
}

describe("HTTP recovery", () => {
  test("without fast_recovery a down server needs a second pass, delay_loop later", async () => {
    expect(await run(http(false), [false, true, true], 13_000)).toEqual(["0 fail down", "6000 pass down", "12000 pass up"]);
  });

  test("with fast_recovery the second pass runs at once", async () => {
    expect(await run(http(true), [false, true, true, true], 13_000)).toEqual([
      "0 fail down",
      "6000 pass down",
      "6000 pass up",
      "12000 pass up",
    ]);
  });

  test("a failed second pass keeps it down and starts over", async () => {
    expect(await run(http(false), [false, true, false, true, true], 25_000)).toEqual([
      "0 fail down",
      "6000 pass down",
      "12000 fail down",
      "18000 pass down",
      "24000 pass up",
    ]);
  });

  test("the first run brings an alpha server up on one pass; other kinds recover on one pass", async () => {
    expect(await run({ ...http(false), timing: { ...timing, alpha: true } }, [true], 1000)).toEqual(["0 pass up"]);
    expect(await run({ kind: "TCP_CHECK", timing, connect }, [false, true], 7000)).toEqual(["0 fail down", "6000 pass up"]);
    const state = new CheckState(timing, false, 0);
    expect(state.record(true)).toEqual({ up: false, changed: false, nextInMs: 0, retriesExhausted: false });
    expect(state.record(true)).toEqual({ up: true, changed: true, nextInMs: 6000, retriesExhausted: false });
  });
});
