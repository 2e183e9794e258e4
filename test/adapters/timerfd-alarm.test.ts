// The daemon's alarm on the real kernel: a timerfd read through Bun's event loop. It rings once per setting,
// never before its wait, not at all once cancelled, and leaves no descriptor behind when closed.

import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { timerFdAlarms } from "../../src/adapters/linux/timerfd-alarm.ts";
import { alarmContract } from "./alarm-contract.ts";

const openFds = () => readdirSync("/proc/self/fd").length;

/** An alarm that records when it rang, and a bounded wait for it. */
function recorder() {
  const rings: number[] = [];
  const alarm = timerFdAlarms(() => rings.push(performance.now()));
  const until = async (count: number, maxMs: number) => {
    const deadline = performance.now() + maxMs;
    while (rings.length < count && performance.now() < deadline) await Bun.sleep(2);
  };
  return { alarm, rings, until };
}

test("rings once per setting, never before its wait (20.5 ms), and a new setting replaces the old", async () => {
  const { alarm, rings, until } = recorder();
  try {
    const start = performance.now();
    alarm.set(20.5);
    await until(1, 2000);
    expect(rings).toHaveLength(1);
    expect(rings[0]! - start).toBeGreaterThanOrEqual(20.5);
    await Bun.sleep(60);
    expect(rings).toHaveLength(1);

    const again = performance.now();
    alarm.set(500);
    alarm.set(15);
    await until(2, 2000);
    expect(rings).toHaveLength(2);
    expect(rings[1]! - again).toBeGreaterThanOrEqual(15);
    expect(rings[1]! - again).toBeLessThan(500);
    await Bun.sleep(600);
    expect(rings).toHaveLength(2);
  } finally {
    await alarm.close();
  }
});

test("a wait of zero or less rings at once; a cancelled alarm never rings", async () => {
  const { alarm, rings, until } = recorder();
  try {
    alarm.set(-5);
    await until(1, 2000);
    expect(rings).toHaveLength(1);
    alarm.set(10);
    alarm.cancel();
    await Bun.sleep(100);
    expect(rings).toHaveLength(1);
  } finally {
    await alarm.close();
  }
});

test("close releases the descriptors (ours and Bun's copy); afterwards set() does nothing", async () => {
  const before = openFds();
  const { alarm, rings } = recorder();
  expect(openFds()).toBeGreaterThan(before);
  alarm.set(5);
  await alarm.close();
  await alarm.close();
  alarm.set(1);
  await Bun.sleep(50);
  expect(rings).toHaveLength(0);
  expect(openFds()).toBeLessThanOrEqual(before); // an earlier test's copy may close meanwhile
});

test("passes the AlarmFactory contract (shared with the alarm over the fake clock) on the real clock", async () => {
  expect(await alarmContract(timerFdAlarms, { now: () => performance.now(), pass: (ms) => Bun.sleep(ms) })).toEqual([]);
});
