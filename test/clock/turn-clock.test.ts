// The checker's clock: one real read per turn of the event loop, afresh on refresh(), never a value from an
// earlier turn.

import { expect, test } from "bun:test";
import { TurnClock } from "../../src/clock/turn-clock.ts";

/** A clock source that counts its reads and moves 5 ms at each one. */
function countingSource() {
  const source = { reads: 0, time: 1000, read: () => source.time + 5 * ++source.reads };
  return source;
}

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

test("within a turn now() reads the clock once and gives that reading throughout", () => {
  const source = countingSource();
  const clock = new TurnClock(source.read);
  const first = clock.now();
  expect(first).toBe(1005);
  for (let i = 0; i < 10; i++) expect(clock.now()).toBe(first);
  expect(source.reads).toBe(1);
});

test("the next turn reads afresh", async () => {
  const source = countingSource();
  const clock = new TurnClock(source.read);
  expect(clock.now()).toBe(1005);
  await nextTurn();
  expect(clock.now()).toBe(1010);
  expect(clock.now()).toBe(1010);
  await nextTurn();
  expect(clock.now()).toBe(1015);
  expect(source.reads).toBe(3);
});

test("refresh() reads now, and the rest of the turn gives its reading", () => {
  const source = countingSource();
  const clock = new TurnClock(source.read);
  expect(clock.now()).toBe(1005);
  expect(clock.refresh()).toBe(1010);
  expect(clock.now()).toBe(1010);
  expect(source.reads).toBe(2);
});

test("a turn that only refreshed still expires: the next turn's now() reads again", async () => {
  const source = countingSource();
  const clock = new TurnClock(source.read);
  clock.refresh();
  clock.refresh();
  await nextTurn();
  expect(clock.now()).toBe(1015);
  expect(source.reads).toBe(3);
});
