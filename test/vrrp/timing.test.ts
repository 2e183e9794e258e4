import { expect, test } from "bun:test";
import { masterDownIntervalMs, skewTimeMs } from "../../src/vrrp/timing.ts";

test("VRRPv2 skew is (256 − priority)/256 s whatever the interval (RFC 3768 §6.1)", () => {
  expect(skewTimeMs(2, 100, 100)).toBeCloseTo(609.375, 6);
  expect(skewTimeMs(2, 100, 500)).toBeCloseTo(609.375, 6);
  expect(skewTimeMs(2, 254, 100)).toBeCloseTo(7.8125, 6);
  expect(masterDownIntervalMs(2, 100, 100)).toBeCloseTo(3609.375, 6);
});

test("VRRPv3 skew scales with the master's interval (RFC 5798 §6.1)", () => {
  expect(skewTimeMs(3, 100, 100)).toBeCloseTo(609.375, 6);
  expect(skewTimeMs(3, 100, 10)).toBeCloseTo(60.9375, 6);
  expect(skewTimeMs(3, 200, 2)).toBeCloseTo(4.375, 6);
  expect(masterDownIntervalMs(3, 100, 10)).toBeCloseTo(360.9375, 6);
});
