import { expect, test } from "bun:test";
import { serverHealth } from "../../src/check/server-health.ts";

test("a real server is alive while all its checkers are up; no checker: alive", () => {
  expect(serverHealth(5, [])).toEqual({ alive: true, weight: 5 });
  expect(
    serverHealth(5, [
      { up: true, weight: null },
      { up: true, weight: null },
    ]),
  ).toEqual({ alive: true, weight: 5 });
  expect(
    serverHealth(5, [
      { up: true, weight: null },
      { up: false, weight: null },
    ]),
  ).toEqual({ alive: false, weight: 5 });
});

test("a dynamic checker sets the weight (misc_dynamic), others add their difference", () => {
  expect(serverHealth(5, [{ up: true, weight: 20 }])).toEqual({ alive: true, weight: 20 });
  expect(
    serverHealth(5, [
      { up: true, weight: 20 },
      { up: true, weight: 3 },
    ]),
  ).toEqual({ alive: true, weight: 18 });
  expect(
    serverHealth(5, [
      { up: true, weight: 0 },
      { up: true, weight: 0 },
    ]),
  ).toEqual({ alive: true, weight: 0 });
});
