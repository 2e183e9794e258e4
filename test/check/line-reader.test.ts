// The checker's output read as lines, a bounded number per event-loop turn: a burst is handed on in slices, in
// order, with partial lines kept across chunks; a quiet channel's lines are handed on at once.

import { expect, test } from "bun:test";
import { lineReader } from "../../src/check/line-reader.ts";

function setup(perTurn: number) {
  const got: string[] = [];
  const turns: (() => void)[] = [];
  const feed = lineReader((line) => got.push(line), { perTurn, later: (next) => turns.push(next) });
  const turn = () => turns.shift()?.();
  return { got, turns, feed, turn };
}

test("a burst is handed on a slice per turn, in order", () => {
  const { got, turns, feed, turn } = setup(3);
  feed(`${Array.from({ length: 8 }, (_, i) => `line ${i}`).join("\n")}\n`);
  expect(got).toEqual(["line 0", "line 1", "line 2"]);
  expect(turns).toHaveLength(1);
  // More comes while the burst is still being handed on: it waits its turn behind it.
  feed("line 8\n");
  expect(got).toHaveLength(3);
  turn();
  expect(got).toHaveLength(6);
  turn();
  expect(got).toEqual(Array.from({ length: 9 }, (_, i) => `line ${i}`));
  expect(turns).toHaveLength(0);
});

test("a line cut across chunks is one line; a quiet channel's line goes at once", () => {
  const { got, turns, feed } = setup(3);
  feed('{"type":"rep');
  expect(got).toEqual([]);
  feed('ort"}\n{"type":"heart');
  expect(got).toEqual(['{"type":"report"}']);
  feed('beat"}\n');
  expect(got).toEqual(['{"type":"report"}', '{"type":"heartbeat"}']);
  expect(turns).toHaveLength(0);
});

test("a handler that throws does not get the same line again", () => {
  const got: string[] = [];
  const turns: (() => void)[] = [];
  const feed = lineReader(
    (line) => {
      got.push(line);
      if (line === "bad") throw new Error("boom");
    },
    { perTurn: 10, later: (next) => turns.push(next) },
  );
  expect(() => feed("a\nbad\nb\n")).toThrow("boom");
  feed("c\n");
  expect(got).toEqual(["a", "bad", "b", "c"]);
});
