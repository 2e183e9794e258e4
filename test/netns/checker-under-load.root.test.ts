// Issue #17: a checker process with many checks kept its event loop busy starting them (thousands of connects in one
// turn) and its heartbeat lapsed, so the supervisor replaced a checker that was busy, not stuck. Here the real
// checker process, under the real supervisor, runs 20,000 TCP checks every 2 s against listeners in a namespace,
// all due at once (no warmup, so their starts and ends bunch up as badly as they can). Before the checks' starts
// were paced (src/check/start-pacer.ts) this run saw 5 replacements in 20 s and silences up to 1.9 s; now the
// supervisor must never find it silent, and the longest silence must stay under the bound it acts on.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { HEARTBEAT_LOST_MS } from "../../src/check/checker-protocol.ts";
import { Lab } from "./harness.ts";

const CHECKS = 20_000;
const PORTS = 100;
const DELAY_LOOP_MS = 2000;
const WINDOW_MS = 20_000;

let lab: Lab;
beforeAll(async () => {
  lab = await Lab.create({ hosts: ["lb"] });
  // Every address of the range is this namespace's own: the checks' targets, answered by one listener per port.
  lab.must("lb", ["ip", "route", "add", "local", "198.51.100.0/24", "dev", "lo", "table", "local"]);
});
afterAll(async () => {
  await lab?.destroy();
});

test("20,000 checks due at once every 2 s: the checker keeps its heartbeat and is never replaced", () => {
  const fixture = join(import.meta.dir, "fixtures", "checker-under-load.ts");
  const out = lab.must("lb", [process.execPath, fixture, String(CHECKS), String(PORTS), String(DELAY_LOOP_MS), String(WINDOW_MS)], 60_000);
  const result = JSON.parse(out.trim().split("\n").at(-1)!) as {
    restarts: number;
    silences: string[];
    errors: string[];
    longestSilenceMs: number;
    reportedChecks: number;
    accepted: number;
  };
  // The load was real: every check reported, and the listeners took at least two rounds of connections.
  expect(result.errors).toEqual([]);
  expect(result.reportedChecks).toBe(CHECKS);
  expect(result.accepted).toBeGreaterThanOrEqual(2 * CHECKS);
  expect(result.silences).toEqual([]);
  expect(result.restarts).toBe(0);
  expect(result.longestSilenceMs).toBeLessThan(HEARTBEAT_LOST_MS);
}, 90_000);
