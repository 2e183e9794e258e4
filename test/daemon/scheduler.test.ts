// The daemon's one timer: deadlines fire once, on time, also when the kernel ends long waits late.

import { expect, test } from "bun:test";
import type { Timers } from "../../src/clock/timers.ts";
import { earlyStopMs, LONG_WAIT_MS, Scheduler } from "../../src/daemon/scheduler.ts";
import { FakeTimers } from "../clock/fake-timers.ts";

/** FakeTimers whose waits end late as Linux ends timed epoll waits: by 0.1 % of their length, at least 50 µs. */
class SlackTimers implements Timers {
  readonly waits: number[] = [];
  constructor(readonly inner = new FakeTimers()) {}
  now(): number {
    return this.inner.now();
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.waits.push(ms);
    return this.inner.setTimeout(callback, ms + Math.max(0.05, ms / 1000));
  }
  clearTimeout(handle: unknown): void {
    this.inner.clearTimeout(handle);
  }
}

function scheduler(timers: Timers) {
  const fired: Array<{ deadline: number; at: number }> = [];
  const s = new Scheduler(timers, (deadline) => fired.push({ deadline, at: timers.now() }));
  return { s, fired };
}

test("a wait up to LONG_WAIT_MS is armed once (one wakeup per advert) and keeps its slack", () => {
  const timers = new SlackTimers();
  const { s, fired } = scheduler(timers);
  s.arm(LONG_WAIT_MS);
  timers.inner.advance(LONG_WAIT_MS * 2);
  expect(timers.waits).toEqual([LONG_WAIT_MS]);
  expect(fired).toHaveLength(1);
  expect(fired[0]!.at - fired[0]!.deadline).toBeLessThanOrEqual(LONG_WAIT_MS / 1000 + 0.001);
});

test("a long wait stops short of the kernel's slack, then ends on time: Master_Down_Interval at 1 s adverts", () => {
  const timers = new SlackTimers();
  const { s, fired } = scheduler(timers);
  const mdi = 3453.125;
  s.arm(mdi);
  timers.inner.advance(4000);
  expect(fired).toHaveLength(1);
  // Armed in one go it would have ended ≈ 3.45 ms late.
  expect(fired[0]!.at - mdi).toBeGreaterThanOrEqual(0);
  expect(fired[0]!.at - mdi).toBeLessThanOrEqual(0.051);
  expect(timers.waits).toHaveLength(2);
  expect(timers.waits[0]).toBeCloseTo(mdi - earlyStopMs(mdi), 6);
  expect(s.stats.maxLatenessMs).toBeLessThanOrEqual(0.051);
});

test("re-arming before the first stage ends (an advert arrived) cancels it: nothing fires", () => {
  const timers = new SlackTimers();
  const { s, fired } = scheduler(timers);
  for (let t = 0; t < 10; t++) {
    s.arm(timers.now() + 3453.125);
    timers.inner.advance(1000);
  }
  expect(fired).toHaveLength(0);
  s.disarm();
  timers.inner.advance(10_000);
  expect(fired).toHaveLength(0);
});

test("a deadline already past fires at once, and Infinity disarms", () => {
  const timers = new SlackTimers();
  const { s, fired } = scheduler(timers);
  timers.inner.advance(100);
  s.arm(50);
  timers.inner.advance(1);
  expect(fired.map((f) => f.deadline)).toEqual([50]);
  s.arm(500);
  s.arm(Infinity);
  timers.inner.advance(1000);
  expect(fired).toHaveLength(1);
});
