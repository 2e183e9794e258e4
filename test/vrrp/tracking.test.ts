import { expect, test } from "bun:test";
import { effectivePriority, type TrackerConfig, type TrackerState } from "../../src/vrrp/tracking.ts";

const status = (name: string, weight: number, reverse = false): TrackerConfig => ({ name, kind: "status", weight, reverse });
const value = (name: string, weight: number, reverse = false): TrackerConfig => ({ name, kind: "value", weight, reverse });
const calc = (base: number, trackers: TrackerConfig[], states: TrackerState[]) =>
  effectivePriority(base, trackers, states, { priority: 0, faultBy: null });

test("a positive weight is added while up, a negative one while down", () => {
  const trackers = [status("a", 10), status("b", -30)];
  expect(
    calc(100, trackers, [
      { up: true, value: 0 },
      { up: true, value: 0 },
    ]).priority,
  ).toBe(110);
  expect(
    calc(100, trackers, [
      { up: false, value: 0 },
      { up: true, value: 0 },
    ]).priority,
  ).toBe(100);
  expect(
    calc(100, trackers, [
      { up: true, value: 0 },
      { up: false, value: 0 },
    ]).priority,
  ).toBe(80);
});

test("weight 0 down is a fault, and reverse swaps up and down", () => {
  expect(calc(100, [status("a", 0)], [{ up: false, value: 0 }]).faultBy).toBe("a");
  expect(calc(100, [status("a", 0)], [{ up: true, value: 0 }]).faultBy).toBeNull();
  expect(calc(100, [status("a", 0, true)], [{ up: true, value: 0 }]).faultBy).toBe("a");
  expect(calc(100, [status("a", -10, true)], [{ up: true, value: 0 }]).priority).toBe(90);
});

test("the result is clamped to 1..254 and the owner stays at 255", () => {
  expect(calc(250, [status("a", 50)], [{ up: true, value: 0 }]).priority).toBe(254);
  expect(calc(10, [status("a", -50)], [{ up: false, value: 0 }]).priority).toBe(1);
  expect(calc(255, [status("a", -50)], [{ up: false, value: 0 }]).priority).toBe(255);
  expect(calc(255, [status("a", 0)], [{ up: false, value: 0 }]).faultBy).toBe("a");
});

test("track_file: value × weight is added; weight 0 faults on non-zero; below −253 faults", () => {
  expect(calc(100, [value("f", 2)], [{ up: true, value: 15 }]).priority).toBe(130);
  expect(calc(100, [value("f", 2, true)], [{ up: true, value: 15 }]).priority).toBe(70);
  expect(calc(100, [value("f", 0)], [{ up: true, value: 3 }]).faultBy).toBe("f");
  expect(calc(100, [value("f", 0)], [{ up: true, value: 0 }]).faultBy).toBeNull();
  expect(calc(100, [value("f", 1)], [{ up: true, value: -254 }]).faultBy).toBe("f");
  expect(calc(100, [value("f", 1)], [{ up: true, value: -253 }]).faultBy).toBeNull();
});
