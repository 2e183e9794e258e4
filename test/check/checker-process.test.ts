// The real checker process (this code base started with the internal argument) under the real supervisor: it
// reports results of checks against a server the test runs on loopback, and when it is killed (SIGKILL) or
// stopped (SIGSTOP: alive but silent) the supervisor has a new one running and reporting within a second. It runs
// under its own runtime settings.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { CheckReport, PlannedCheck } from "../../src/check/check-runner.ts";
import { spawnCheckerProcess } from "../../src/check/checker-process.ts";
import { CheckerSupervisor } from "../../src/check/checker-supervisor.ts";
import { realTimers } from "../../src/clock/timers.ts";

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server.close());

const check = (): PlannedCheck => ({
  key: "k",
  knownUp: null,
  definition: {
    kind: "TCP_CHECK",
    timing: { delayLoopMs: 100, retry: 0, delayBeforeRetryMs: 0, warmupMs: 0, alpha: false },
    connect: {
      address: "127.0.0.1",
      family: 4,
      port,
      bindAddress: null,
      bindPort: null,
      bindInterface: null,
      fwmark: null,
      timeoutMs: 500,
    },
  },
});

async function until(what: string, cond: () => boolean, ms: number): Promise<number> {
  const started = performance.now();
  while (!cond()) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await Bun.sleep(20);
  }
  return performance.now() - started;
}

test("reports from a real checker process; killed or stopped, it is replaced and reporting again within a second", async () => {
  const reports: CheckReport[] = [];
  const logs: string[] = [];
  const log = { debug: () => {}, info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const supervisor = new CheckerSupervisor(
    spawnCheckerProcess,
    realTimers,
    log,
    () => [check()],
    (r) => reports.push(r),
  );
  const pids: number[] = [];
  try {
    supervisor.replan();
    // Starting a Bun process under a loaded CI machine: allow it time, then hold the restarts to one second.
    await until("first report", () => reports.length > 0, 15_000);
    expect(reports[0]).toMatchObject({ key: "k", ok: true, up: true, reason: "connected" });
    const first = supervisor.pid!;
    pids.push(first);
    // It runs without JSC's FTL tier (src/daemon/runtime-env.ts), which this test's own process has not set.
    expect(process.env.BUN_JSC_useFTLJIT).toBeUndefined();
    expect(readFileSync(`/proc/${first}/environ`, "utf8").split("\0")).toContain("BUN_JSC_useFTLJIT=0");
    process.kill(first, "SIGKILL");
    const count = reports.length;
    await until("a new checker", () => supervisor.pid !== null && supervisor.pid !== first, 1000);
    pids.push(supervisor.pid!);
    await until("reports again", () => reports.length > count, 10_000);
    const second = supervisor.pid!;
    process.kill(second, "SIGSTOP");
    await until("the silent checker replaced", () => supervisor.pid !== null && supervisor.pid !== second, 2000);
    pids.push(supervisor.pid!);
    expect(supervisor.restarts).toBe(2);
    expect(logs.some((l) => l.includes(`checker process ${first} exited (SIGKILL)`))).toBe(true);
    expect(logs.some((l) => new RegExp(`checker process ${second} silent for \\d+ ms`).test(l))).toBe(true);
  } finally {
    supervisor.stop();
  }
  // Every checker process it started is gone.
  await until("checkers gone", () => pids.every((pid) => !alive(pid)), 3000);
}, 40_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers: look at its state.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}
