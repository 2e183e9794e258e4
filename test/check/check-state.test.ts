// keepalived 2.2.7's retry rules for one checker, result by result.

import { describe, expect, test } from "bun:test";
import type { CheckTiming } from "../../src/check/check-definition.ts";
import { CheckState } from "../../src/check/check-state.ts";

const timing = (over: Partial<CheckTiming> = {}): CheckTiming => ({
  delayLoopMs: 6000,
  retry: 2,
  delayBeforeRetryMs: 1000,
  warmupMs: 0,
  alpha: false,
  ...over,
});

describe("CheckState", () => {
  test("starts up; the first failure takes it down at once (the retries are used up at start)", () => {
    const s = new CheckState(timing());
    expect(s.up).toBe(true);
    expect(s.record(false)).toEqual({ up: false, changed: true, nextInMs: 6000, retriesExhausted: true });
  });

  test("after a success a failure is retried `retry` times, delay_before_retry apart, then goes down", () => {
    const s = new CheckState(timing());
    expect(s.record(true)).toEqual({ up: true, changed: false, nextInMs: 6000, retriesExhausted: false });
    expect(s.record(false)).toMatchObject({ up: true, changed: false, nextInMs: 1000 });
    expect(s.record(false)).toMatchObject({ up: true, changed: false, nextInMs: 1000 });
    expect(s.record(false)).toEqual({ up: false, changed: true, nextInMs: 6000, retriesExhausted: true });
    expect(s.record(false)).toMatchObject({ up: false, changed: false, nextInMs: 1000 });
  });

  test("a success between failures starts the retries again", () => {
    const s = new CheckState(timing({ retry: 1 }));
    s.record(true);
    expect(s.record(false).nextInMs).toBe(1000);
    expect(s.record(true)).toMatchObject({ up: true, changed: false, nextInMs: 6000 });
    expect(s.record(false)).toMatchObject({ up: true, nextInMs: 1000 });
    expect(s.record(false)).toMatchObject({ up: false, changed: true });
  });

  test("a down checker comes up on the first success", () => {
    const s = new CheckState(timing());
    s.record(false);
    expect(s.record(true)).toEqual({ up: true, changed: true, nextInMs: 6000, retriesExhausted: false });
  });

  test("alpha: starts down, a first failure confirms it (reported once), a success brings it up", () => {
    const s = new CheckState(timing({ alpha: true }));
    expect(s.up).toBe(false);
    expect(s.ran).toBe(false);
    expect(s.record(false)).toMatchObject({ up: false, changed: true });
    expect(s.ran).toBe(true);
    expect(s.record(false)).toMatchObject({ up: false, changed: false });
    expect(new CheckState(timing({ alpha: true })).record(true)).toMatchObject({ up: true, changed: true });
  });

  test("retry 0: every failure is final", () => {
    const s = new CheckState(timing({ retry: 0 }));
    s.record(true);
    expect(s.record(false)).toEqual({ up: false, changed: true, nextInMs: 6000, retriesExhausted: false });
  });
});
