// The daemon's one timer: each deadline fires once, never early, and expiries that were already on their way
// when the deadline moved (the timerfd's read can arrive after a re-arm) fire nothing.

import { expect, test } from "bun:test";
import { type Alarm, type AlarmFactory, timersAlarm } from "../../src/clock/alarm.ts";
import { Scheduler } from "../../src/daemon/scheduler.ts";
import { FakeTimers } from "../clock/fake-timers.ts";

/** An alarm the test rings by hand, whenever it likes: on time, early, late or after a cancel. */
class HandAlarm implements Alarm {
  readonly waits: number[] = [];
  cancels = 0;
  closed = false;
  ring: () => void = () => undefined;
  set(waitMs: number): void {
    this.waits.push(waitMs);
  }
  cancel(): void {
    this.cancels++;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function withHandAlarm() {
  const timers = new FakeTimers();
  const alarm = new HandAlarm();
  const factory: AlarmFactory = (onAlarm) => {
    alarm.ring = onAlarm;
    return alarm;
  };
  const fired: Array<{ deadline: number; at: number }> = [];
  const s = new Scheduler(timers, factory, (deadline) => fired.push({ deadline, at: timers.now() }));
  return { timers, alarm, s, fired };
}

function withTimers() {
  const timers = new FakeTimers();
  const fired: Array<{ deadline: number; at: number }> = [];
  const s = new Scheduler(timers, timersAlarm(timers), (deadline) => fired.push({ deadline, at: timers.now() }));
  return { timers, s, fired };
}

test("a deadline is set as the wait from now, keeping its fraction, and fires once at its time", () => {
  const { timers, s, fired } = withTimers();
  timers.advance(10);
  s.arm(3463.125);
  timers.advance(5000);
  expect(fired).toEqual([{ deadline: 3463.125, at: 3463.125 }]);
  expect(s.stats).toEqual({ fired: 1, late: 0, maxLatenessMs: 0 });
  const hand = withHandAlarm();
  hand.timers.advance(10);
  hand.s.arm(3463.125);
  expect(hand.alarm.waits).toEqual([3453.125]);
});

test("re-arming (an advert arrived) moves the deadline: nothing fires until the last one", () => {
  const { timers, s, fired } = withTimers();
  for (let t = 0; t < 10; t++) {
    s.arm(timers.now() + 3453.125);
    timers.advance(1000);
  }
  expect(fired).toHaveLength(0);
  timers.advance(2453.125);
  expect(fired.map((f) => f.deadline)).toEqual([12_453.125]);
});

test("an expiry that arrives after the deadline moved later fires nothing and waits for the rest", () => {
  const { timers, alarm, s, fired } = withHandAlarm();
  s.arm(100);
  timers.advance(100);
  s.arm(1100); // the timerfd had expired, its read not yet delivered
  alarm.ring();
  expect(fired).toHaveLength(0);
  expect(alarm.waits).toEqual([100, 1000, 1000]);
  timers.advance(1000);
  alarm.ring();
  expect(fired).toEqual([{ deadline: 1100, at: 1100 }]);
});

test("an expiry after a cancel fires nothing", () => {
  const { timers, alarm, s, fired } = withHandAlarm();
  s.arm(100);
  timers.advance(100);
  s.disarm();
  alarm.ring();
  s.arm(Infinity);
  alarm.ring();
  expect(fired).toHaveLength(0);
  expect(alarm.waits).toEqual([100]); // and nothing set again
  expect(alarm.cancels).toBe(1);
});

test("an alarm ringing early by the scheduler's clock is set again for the remainder, never fired early", () => {
  const { timers, alarm, s, fired } = withHandAlarm();
  s.arm(345.3125);
  timers.advance(345.31);
  alarm.ring();
  expect(fired).toHaveLength(0);
  expect(alarm.waits.at(-1)).toBeCloseTo(0.0025, 9);
  timers.advance(0.5);
  alarm.ring();
  expect(fired).toHaveLength(1);
  expect(fired[0]!.at - fired[0]!.deadline).toBeCloseTo(0.4975, 9);
  alarm.ring(); // a duplicate ring after firing
  expect(fired).toHaveLength(1);
});

test("a deadline already past fires at once; lateness over 10 ms is counted", () => {
  const { timers, s, fired } = withTimers();
  timers.advance(100);
  s.arm(50);
  timers.advance(0);
  expect(fired.map((f) => f.deadline)).toEqual([50]);
  expect(s.stats).toEqual({ fired: 1, late: 1, maxLatenessMs: 50 });
});

test("close disarms for good and releases the alarm", async () => {
  const { alarm, s, fired } = withHandAlarm();
  s.arm(100);
  await s.close();
  expect(alarm.closed).toBe(true);
  alarm.ring();
  expect(fired).toHaveLength(0);
  const t = withTimers();
  t.s.arm(100);
  await t.s.close();
  t.s.arm(200);
  t.timers.advance(1000);
  expect(t.fired).toHaveLength(0);
});

test("catchUp runs a due deadline whose alarm is still unread, once; nothing before it is due", () => {
  const { timers, alarm, s, fired } = withHandAlarm();
  s.arm(100);
  timers.advance(50);
  s.catchUp();
  expect(fired).toEqual([]);
  timers.advance(60);
  // The alarm's read is queued behind other work (a reload): catchUp fires the deadline now.
  s.catchUp();
  expect(fired).toEqual([{ deadline: 100, at: 110 }]);
  // Its ring, when it is finally read, finds nothing due.
  alarm.ring();
  s.catchUp();
  expect(fired).toHaveLength(1);
});
