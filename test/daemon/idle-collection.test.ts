import { expect, test } from "bun:test";
import { IdleCollection, MAX_ATTEMPTS, QUIET_MS, RETRY_MS, RUNS_PER_COLLECTION } from "../../src/daemon/idle-collection.ts";
import type { RunOptions, RunResult } from "../../src/process/run-command.ts";
import { FakeTimers } from "../clock/fake-timers.ts";

const ok: RunResult = { exitCode: 0, signal: null, timedOut: false, spawnError: null, durationMs: 1, stderr: "", pid: 42 };

function world(deadlineIn: () => number = () => Infinity) {
  const timers = new FakeTimers();
  const events: string[] = [];
  const collection = new IdleCollection({
    timers,
    nextDeadline: () => timers.now() + deadlineIn(),
    collect: () => events.push("collect"),
  });
  const runner = collection.counting(async (options: RunOptions) => {
    events.push(`run ${options.argv.join(" ")}`);
    return ok;
  });
  const runs = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const result = await runner({ argv: ["/bin/check"] });
      events.push(`handled ${result.exitCode}`);
    }
  };
  const collections = () => events.filter((e) => e === "collect").length;
  return { timers, events, runner, runs, collections, collection };
}

test("the counted runner hands back the script's own result and options", async () => {
  const w = world();
  const seen: RunOptions[] = [];
  const runner = w.collection.counting(async (options) => {
    seen.push(options);
    return { ...ok, exitCode: 3, stderr: "broken" };
  });
  const options = { argv: ["/bin/false"], timeoutMs: 5, uid: 65534, gid: 65534 };
  expect(await runner(options)).toEqual({ ...ok, exitCode: 3, stderr: "broken" });
  expect(seen).toEqual([options]);
});

test("no collection before enough runs; one after them, once the last run's result has been handled", async () => {
  const w = world();
  await w.runs(RUNS_PER_COLLECTION - 1);
  w.timers.advance(10_000);
  expect(w.collections()).toBe(0);
  await w.runs(1);
  expect(w.collections()).toBe(0); // not inside the run: its caller goes first
  w.timers.advance(0);
  expect(w.collections()).toBe(1);
  expect(w.events.slice(-3)).toEqual(["run /bin/check", "handled 0", "collect"]);
  // The count starts over.
  await w.runs(RUNS_PER_COLLECTION - 1);
  w.timers.advance(10_000);
  expect(w.collections()).toBe(1);
  await w.runs(1);
  w.timers.advance(0);
  expect(w.collections()).toBe(2);
});

test("an idle daemon (no script runs) is never woken for a collection", async () => {
  const w = world();
  w.timers.advance(3_600_000);
  expect(w.collections()).toBe(0);
});

test("never close to a deadline: it waits until one is at least QUIET_MS away", async () => {
  let gap = QUIET_MS - 1;
  const w = world(() => gap);
  await w.runs(RUNS_PER_COLLECTION);
  w.timers.advance(RETRY_MS * 3);
  expect(w.collections()).toBe(0);
  gap = QUIET_MS;
  w.timers.advance(RETRY_MS);
  expect(w.collections()).toBe(1);
});

test("gives up after MAX_ATTEMPTS near deadlines; the next run tries again", async () => {
  let gap = 0;
  const w = world(() => gap);
  await w.runs(RUNS_PER_COLLECTION);
  w.timers.advance(RETRY_MS * MAX_ATTEMPTS * 10);
  expect(w.collections()).toBe(0);
  gap = Infinity;
  w.timers.advance(RETRY_MS * 10);
  expect(w.collections()).toBe(0); // no timer left running
  await w.runs(1);
  w.timers.advance(0);
  expect(w.collections()).toBe(1);
});

test("many runs while a look is pending make one collection, not one each", async () => {
  let gap = 0;
  const w = world(() => gap);
  await w.runs(RUNS_PER_COLLECTION + 5);
  gap = Infinity;
  w.timers.advance(RETRY_MS);
  expect(w.collections()).toBe(1);
  w.timers.advance(RETRY_MS * MAX_ATTEMPTS);
  expect(w.collections()).toBe(1);
});

test("stopped: a pending look is cancelled and later runs collect nothing", async () => {
  let gap = 0;
  const w = world(() => gap);
  await w.runs(RUNS_PER_COLLECTION);
  w.collection.stop();
  gap = Infinity;
  w.timers.advance(RETRY_MS * MAX_ATTEMPTS);
  await w.runs(RUNS_PER_COLLECTION);
  w.timers.advance(RETRY_MS);
  expect(w.collections()).toBe(0);
});
