// The checkers' deadlines without a timer each (src/adapters/linux/deadline-queues.ts): one queue per timeout
// length, expired in deadline order, finished items skipped, the queues emptied as they are consumed.

import { expect, test } from "bun:test";
import { DeadlineQueues } from "../../src/adapters/linux/deadline-queues.ts";

interface Item {
  name: string;
  deadlineMs: number;
  done: boolean;
}

const item = (name: string, startMs: number, timeoutMs: number): Item => ({ name, deadlineMs: startMs + timeoutMs, done: false });

test("items of several timeouts expire when their own deadline passes, each once, finished ones skipped", () => {
  const queues = new DeadlineQueues<Item>();
  const a = item("a", 0, 1000);
  const b = item("b", 10, 300);
  const c = item("c", 20, 1000);
  const d = item("d", 30, 300);
  for (const [i, timeout] of [
    [a, 1000],
    [b, 300],
    [c, 1000],
    [d, 300],
  ] as const)
    queues.add(i, timeout);
  d.done = true;
  const expired: string[] = [];
  const expire = (now: number) =>
    queues.expire(
      now,
      (i) => !i.done,
      (i) => expired.push(`${i.name}@${now}`),
    );
  expire(309);
  expect(expired).toEqual([]);
  expire(310);
  expire(330); // d's deadline: finished, so skipped
  expect(expired).toEqual(["b@310"]);
  expire(1000);
  expect(expired).toEqual(["b@310", "a@1000"]);
  expire(5000);
  expect(expired).toEqual(["b@310", "a@1000", "c@5000"]);
  expect(queues.queued).toBe(0);
});

test("a long run keeps only what is still queued", () => {
  const queues = new DeadlineQueues<Item>();
  let expiredCount = 0;
  for (let now = 0; now < 10_000; now++) {
    queues.add(item(String(now), now, 50), 50);
    queues.expire(
      now,
      () => true,
      () => expiredCount++,
    );
  }
  expect(expiredCount).toBe(10_000 - 50);
  expect(queues.queued).toBe(50);
});
