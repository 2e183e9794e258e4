// The checks' one timer: due items start in due order (ties in arrival order), at most a bounded batch per turn
// of the event loop and no longer than the turn's budget, the rest in the next turn; a turn is one timer callback,
// so the test rings them one at a time and sees what each started.

import { describe, expect, test } from "bun:test";
import type { Timers } from "../../src/clock/timers.ts";
import { type Due, DueQueue } from "../../src/check/due-queue.ts";
import { MAX_STARTS_PER_TURN, StartPacer, TURN_BUDGET_MS } from "../../src/check/start-pacer.ts";

interface Item extends Due {
  name: string;
}
const item = (name: string): Item => ({ name, dueMs: 0, order: 0 });

/** A clock that moves only when told, and timers that ring one per call of ring() (one turn of the loop). */
class TurnTimers implements Timers {
  time = 0;
  private seq = 0;
  readonly pending = new Map<number, { at: number; callback: () => void }>();
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.pending.set(++this.seq, { at: this.time + ms, callback });
    return this.seq;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Runs the earliest timer (moving the clock to it, never back); false when none is armed. */
  ring(): boolean {
    let first: [number, { at: number; callback: () => void }] | null = null;
    for (const e of this.pending) if (first === null || e[1].at < first[1].at) first = e;
    if (first === null) return false;
    this.pending.delete(first[0]);
    this.time = Math.max(this.time, first[1].at);
    first[1].callback();
    return true;
  }
}

describe("DueQueue", () => {
  test("pops the earliest due first, equal times in arrival order, nothing before it is due", () => {
    const queue = new DueQueue<Item>();
    const times = [50, 10, 30, 10, 70, 30, 0, 10];
    for (const [i, t] of times.entries()) queue.push(item(`${t}#${i}`), t);
    expect(queue.nextDueMs).toBe(0);
    expect(queue.popDue(-1)).toBeNull();
    const popped: string[] = [];
    for (let guard = 0; guard < 20; guard++) {
      const next = queue.popDue(1000);
      if (next === null) break;
      popped.push(next.name);
    }
    expect(popped).toEqual(["0#6", "10#1", "10#3", "10#7", "30#2", "30#5", "50#0", "70#4"]);
    expect(queue.size).toBe(0);
    expect(queue.nextDueMs).toBeNull();
  });

  test("keeps heap order over many random pushes and pops", () => {
    const queue = new DueQueue<Item>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let last = -1;
    for (let round = 0; round < 2000; round++) {
      queue.push(item(String(round)), last + 1 + Math.floor(random() * 500));
      if (round % 3 === 2) {
        const next = queue.popDue(Number.POSITIVE_INFINITY)!;
        expect(next.dueMs).toBeGreaterThanOrEqual(last);
        last = next.dueMs;
      }
    }
  });
});

describe("StartPacer", () => {
  test("one timer for every item: each starts when due, in due order", () => {
    const timers = new TurnTimers();
    const started: [string, number][] = [];
    const pacer = new StartPacer<Item>(timers, (i) => started.push([i.name, timers.now()]));
    pacer.after(item("c"), 300);
    pacer.after(item("a"), 100);
    pacer.after(item("b"), 200);
    expect(timers.pending.size).toBe(1);
    for (let guard = 0; guard < 10 && timers.ring(); guard++);
    expect(started).toEqual([
      ["a", 100],
      ["b", 200],
      ["c", 300],
    ]);
  });

  test("many due at once start at most MAX_STARTS_PER_TURN per turn, the rest in the next turns, none lost", () => {
    const timers = new TurnTimers();
    const perTurn: number[] = [];
    let count = 0;
    const pacer = new StartPacer<Item>(timers, () => count++);
    const total = 2 * MAX_STARTS_PER_TURN + 17;
    for (let i = 0; i < total; i++) pacer.after(item(String(i)), 0);
    for (let guard = 0; guard < 10; guard++) {
      count = 0;
      if (!timers.ring()) break;
      perTurn.push(count);
    }
    expect(perTurn).toEqual([MAX_STARTS_PER_TURN, MAX_STARTS_PER_TURN, 17]);
    expect(pacer.waiting).toBe(0);
  });

  test("a turn ends once its time budget is spent, and the next turn goes on at once (a 0 ms timer)", () => {
    const timers = new TurnTimers();
    const perTurn: number[] = [];
    let count = 0;
    // Each start takes 3 ms of the loop: a turn fits ceil(budget / 3) of them.
    const pacer = new StartPacer<Item>(timers, () => {
      count++;
      timers.time += 3;
    });
    for (let i = 0; i < 10; i++) pacer.after(item(String(i)), 0);
    const ringAt: number[] = [];
    for (let guard = 0; guard < 20; guard++) {
      count = 0;
      const next = [...timers.pending.values()][0];
      if (next === undefined) break;
      ringAt.push(next.at - timers.time);
      timers.ring();
      perTurn.push(count);
    }
    const fit = Math.ceil(TURN_BUDGET_MS / 3);
    expect(perTurn.every((n) => n <= fit)).toBe(true);
    expect(perTurn.reduce((a, b) => a + b, 0)).toBe(10);
    expect(perTurn.length).toBeGreaterThan(1);
    // After the first turn the rest were overdue: no wait between turns beyond yielding once.
    expect(ringAt.slice(1).every((wait) => wait <= 0)).toBe(true);
  });

  test("over a turn clock the budget reads the real time at the turn's start and every 8 starts, not each", () => {
    // now() gives the turn's reading (src/clock/turn-clock.ts); refresh() the real time.
    const timers = new TurnTimers();
    let cached = 0;
    let refreshes = 0;
    const turnTimers = {
      now: () => cached,
      refresh: () => {
        refreshes++;
        cached = timers.time;
        return cached;
      },
      setTimeout: (callback: () => void, ms: number) => timers.setTimeout(callback, ms),
      clearTimeout: (handle: unknown) => timers.clearTimeout(handle),
    };
    let count = 0;
    const pacer = new StartPacer<Item>(turnTimers, () => {
      count++;
      timers.time += 3;
    });
    for (let i = 0; i < 20; i++) pacer.after(item(String(i)), 0);
    timers.ring();
    // 3 ms a start: the budget (10 ms) is spent by the 4th, seen at the 8th start's fresh reading.
    expect(TURN_BUDGET_MS).toBe(10);
    expect(count).toBe(8);
    expect(refreshes).toBe(2);
  });

  test("an item due earlier than the armed timer re-arms it; clear drops everything", () => {
    const timers = new TurnTimers();
    const started: string[] = [];
    const pacer = new StartPacer<Item>(timers, (i) => started.push(i.name));
    pacer.after(item("late"), 5000);
    pacer.after(item("soon"), 10);
    expect(timers.pending.size).toBe(1);
    timers.ring();
    expect(started).toEqual(["soon"]);
    pacer.clear();
    expect(timers.pending.size).toBe(0);
    expect(timers.ring()).toBe(false);
    expect(started).toEqual(["soon"]);
  });

  test("an item queued by a start (a check that failed at once) does not hold back the overdue rest", () => {
    const timers = new TurnTimers();
    const started: string[] = [];
    const pacer = new StartPacer<Item>(
      timers,
      (i) => {
        started.push(i.name);
        if (i.name === "0") pacer.after(item("again"), 1000);
      },
      2,
    );
    for (let i = 0; i < 5; i++) pacer.after(item(String(i)), 0);
    timers.ring();
    expect(started).toEqual(["0", "1"]);
    timers.ring();
    expect(started).toEqual(["0", "1", "2", "3"]);
    expect(timers.time).toBe(0);
  });

  test("on a grid, starts due within one slot share the ring at its end; one already due is not held back", () => {
    const timers = new TurnTimers();
    const started: [string, number][] = [];
    const pacer = new StartPacer<Item>(timers, (i) => started.push([i.name, timers.now()]), MAX_STARTS_PER_TURN, TURN_BUDGET_MS, 20);
    timers.time = 5;
    pacer.after(item("a"), 2); // due 7
    pacer.after(item("b"), 14); // due 19
    pacer.after(item("c"), 16); // due 21: the next slot
    expect([...timers.pending.values()].map((t) => t.at)).toEqual([20]);
    timers.ring();
    expect(started).toEqual([
      ["a", 20],
      ["b", 20],
    ]);
    timers.ring();
    expect(started.at(-1)).toEqual(["c", 40]);
    timers.time = 41;
    pacer.after(item("d"), 0);
    expect([...timers.pending.values()].map((t) => t.at)).toEqual([41]);
    timers.ring();
    expect(started.at(-1)).toEqual(["d", 41]);
  });
});
