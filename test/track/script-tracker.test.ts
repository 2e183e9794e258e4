import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../src/process/run-command.ts";
import { ScriptTracker } from "../../src/track/script-tracker.ts";
import { waitFor } from "../wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-track-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tracker(
  argv: string[],
  options: { rise?: number; fall?: number; initFail?: boolean; timeoutMs?: number; intervalMs?: number } = {},
) {
  const changes: boolean[] = [];
  const t = new ScriptTracker(
    {
      name: "chk",
      argv,
      intervalMs: options.intervalMs ?? 20,
      timeoutMs: options.timeoutMs,
      rise: options.rise ?? 1,
      fall: options.fall ?? 1,
      initFail: options.initFail ?? false,
    },
    runCommand,
    { changed: (_name, up) => changes.push(up) },
  );
  return { t, changes };
}

test("fall consecutive failures make it down, rise consecutive successes make it up again", async () => {
  const flag = join(dir, "healthy");
  writeFileSync(flag, "");
  const { t, changes } = tracker(["/bin/sh", "-c", `test -e ${flag}`], { rise: 3, fall: 2 });
  t.start();
  try {
    expect(await waitFor(() => t.runs >= 3, 3000)).toBe(true);
    expect(changes).toEqual([]);
    rmSync(flag);
    const runsAtFailure = t.runs;
    expect(await waitFor(() => changes.length === 1, 3000)).toBe(true);
    expect(changes).toEqual([false]);
    expect(t.runs - runsAtFailure).toBeGreaterThanOrEqual(2);
    writeFileSync(flag, "");
    const runsAtRecovery = t.runs;
    expect(await waitFor(() => changes.length === 2, 3000)).toBe(true);
    expect(changes).toEqual([false, true]);
    expect(t.runs - runsAtRecovery).toBeGreaterThanOrEqual(3);
  } finally {
    t.stop();
  }
});

test("init_fail starts down until rise successes", async () => {
  const { t, changes } = tracker(["/bin/true"], { initFail: true, rise: 2 });
  expect(t.up).toBe(false);
  t.start();
  try {
    expect(await waitFor(() => changes.length === 1, 3000)).toBe(true);
    expect(t.up).toBe(true);
    expect(t.runs).toBeGreaterThanOrEqual(2);
  } finally {
    t.stop();
  }
});

test("a hung script is killed at its timeout, counted as a failure, and does not stop later runs", async () => {
  const { t, changes } = tracker(["/bin/sleep", "30"], { timeoutMs: 60, intervalMs: 40 });
  t.start();
  const started = performance.now();
  try {
    expect(await waitFor(() => t.runs >= 3, 5000)).toBe(true);
    expect(changes).toEqual([false]);
    expect(performance.now() - started).toBeLessThan(5000);
  } finally {
    t.stop();
  }
});

test("a script that cannot start is a failure", async () => {
  const { t, changes } = tracker(["/nonexistent/check.sh"]);
  t.start();
  try {
    expect(await waitFor(() => changes.length === 1, 3000)).toBe(true);
    expect(changes).toEqual([false]);
  } finally {
    t.stop();
  }
});
