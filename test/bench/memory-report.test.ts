// The benchmark's memory figures: the soak's summary (means, maximum, the slope that says "flat" or "creeping")
// and the memory table's verdict against the anonymous-memory target.

import { expect, test } from "bun:test";
import { summarizeSoak } from "../../bench/lib/failover/memory-soak.ts";
import { parseOptions } from "../../bench/lib/failover/options.ts";
import { memorySoakTable, memoryTable } from "../../bench/lib/failover/tables.ts";

const samples = (minutes: number, anonAt: (minute: number) => number) =>
  Array.from({ length: minutes * 12 + 1 }, (_, i) => ({ atMs: i * 5000, anonMb: anonAt((i * 5000) / 60_000) }));

test("a flat soak: the start-up minute left out of the slope, means of the first and last minute", () => {
  // Start-up garbage in the first minute, then flat at 11 MiB.
  const soak = summarizeSoak(
    samples(10, (m) => (m < 1 ? 13 : 11)),
    200,
    null,
  );
  expect(soak.growthMbPerHour).toBeCloseTo(0, 6);
  expect(soak.firstMinuteAnonMb).toBeCloseTo(13, 6);
  expect(soak.lastMinuteAnonMb).toBeCloseTo(11, 6);
  expect(soak.maxAnonMb).toBe(13);
  expect(memorySoakTable(soak, "10 min")).toMatch(/0\.00 +met$/m);
});

test("a creeping soak is not flat: 0.1 MiB a minute is 6 MiB an hour", () => {
  const soak = summarizeSoak(
    samples(10, (m) => 10 + 0.1 * m),
    200,
    null,
  );
  expect(soak.growthMbPerHour).toBeCloseTo(6, 6);
  expect(memorySoakTable(soak, "10 min")).toContain("NOT met");
  expect(summarizeSoak([], 0, null).error).toBe("no sample taken");
});

test("the memory table shows RSS / PSS / anon side by side and judges vipd's anonymous memory at 100 instances", () => {
  const r = (daemon: "vipd" | "keepalived", instances: number, anon: number) => ({
    daemon,
    instances,
    statCpuPct: 0,
    schedCpuPct: 0,
    rssMb: 50,
    rssAnonMb: anon,
    pssMb: 48,
    windowMs: 1000,
    error: null,
  });
  const table = memoryTable([r("vipd", 1, 9), r("keepalived", 1, 2), r("vipd", 100, 12.5), r("keepalived", 100, 3)], {
    rssMb: 25,
    rssAnonMb: 1.7,
    pssMb: 24,
    cpuPct: 0,
    error: null,
  });
  expect(table).toContain("50.0 / 48.0 / 12.5");
  expect(table).toContain("NOT met");
  expect(table).toContain("25.0 / 24.0 / 1.7");
});

test("--memory-only and --memory-soak-minutes are options of their own", () => {
  expect(parseOptions(["--memory-only", "--memory-soak-minutes", "10"])).toMatchObject({ memoryOnly: true, memorySoakMinutes: 10 });
  expect(parseOptions([])).toMatchObject({ memoryOnly: false, memorySoakMinutes: null });
});
