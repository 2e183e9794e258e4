// What every AlarmFactory must do, written once and run against the alarm over the fake clock
// (test/adapters/fakes.test.ts) and the timerfd alarm on the real one (test/adapters/timerfd-alarm.test.ts).
// Returns the failures, [] when it holds.
import type { AlarmFactory } from "../../src/clock/alarm.ts";

/** The clock an alarm runs on, as the contract sees it. */
export interface AlarmClock {
  now(): number;
  /** Lets `ms` go by on this clock, ringing whatever falls due (a fake clock advances, a real one sleeps). */
  pass(ms: number): Promise<void>;
}

/** Longest the contract waits for a ring that must come (a real clock on a busy machine can be late). */
const RING_WITHIN_MS = 2000;

export async function alarmContract(alarms: AlarmFactory, clock: AlarmClock): Promise<string[]> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const rings: number[] = [];
  const alarm = alarms(() => rings.push(clock.now()));
  const ringCount = async (count: number): Promise<number> => {
    const until = clock.now() + RING_WITHIN_MS;
    for (let i = 0; i < RING_WITHIN_MS && rings.length < count && clock.now() < until; i++) await clock.pass(1);
    return rings.length;
  };

  try {
    // Early rings are judged by the time each ring saw, so a slow real clock can make a ring late, never early.
    const t0 = clock.now();
    alarm.set(20.5);
    check((await ringCount(1)) === 1, "set(20.5) rings");
    check(rings[0] === undefined || rings[0] - t0 >= 20.5, `set(20.5) rang early, after ${(rings[0] ?? 0) - t0} ms`);
    await clock.pass(60);
    check(rings.length === 1, `one set() rings once (rang ${rings.length} times)`);

    const t1 = clock.now();
    alarm.set(150);
    alarm.set(15);
    check((await ringCount(2)) === 2, "a shorter set() replacing a longer one rings");
    const shorter = (rings[1] ?? 0) - t1;
    check(rings[1] === undefined || (shorter >= 15 && shorter < 150), `the shorter setting rang after ${shorter} ms`);
    await clock.pass(200);
    check(rings.length === 2, "the replaced longer setting never rings");

    // Had the first setting survived, it would ring at 15 ms: the ring time shows it was replaced.
    const t2 = clock.now();
    alarm.set(15);
    alarm.set(60);
    check((await ringCount(3)) === 3, "a longer set() replacing a shorter one rings");
    check(rings[2] === undefined || rings[2] - t2 >= 60, `the longer setting rang after ${(rings[2] ?? 0) - t2} ms, before 60`);
    await clock.pass(30);
    check(rings.length === 3, "the replaced shorter setting never rings");

    alarm.set(0);
    check((await ringCount(4)) === 4, "set(0) rings at once");
    alarm.set(-5);
    check((await ringCount(5)) === 5, "a wait already past (set(-5)) rings at once");

    // Cancelled well before its time. A ring already on its way (due, not yet delivered) may still arrive, says
    // the interface: that case is allowed either way and not tested.
    alarm.set(10);
    alarm.cancel();
    await clock.pass(50);
    check(rings.length === 5, "a cancelled alarm never rings");
    alarm.cancel();
    alarm.set(5);
    check((await ringCount(6)) === 6, "set() after cancel() rings again");

    alarm.set(5);
    await alarm.close();
    alarm.set(1);
    await clock.pass(50);
    check(rings.length === 6, "after close() nothing rings, and set() does nothing");
  } finally {
    await alarm.close();
  }
  return failures;
}
