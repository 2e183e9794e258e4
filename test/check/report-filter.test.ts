// The checker process sends a result only when it says something new, or to refresh a check's last duration.

import { expect, test } from "bun:test";
import type { CheckReport } from "../../src/check/check-runner.ts";
import { REFRESH_MS, REFRESH_SPREAD_MS, ReportFilter, refreshDelayMs } from "../../src/check/report-filter.ts";

const report = (over: Partial<CheckReport> = {}): CheckReport => ({
  key: "tcp 198.51.100.1 80",
  ok: false,
  up: false,
  changed: false,
  reason: "ECONNREFUSED",
  weight: null,
  durationMs: 1,
  ...over,
});

test("the first result is sent, the same again is not until the check's refresh is due", () => {
  const filter = new ReportFilter();
  const due = refreshDelayMs(report().key);
  expect(due).toBeGreaterThanOrEqual(REFRESH_MS);
  expect(due).toBeLessThan(REFRESH_MS + REFRESH_SPREAD_MS);
  expect(filter.shouldSend(report(), 0)).toBe(true);
  expect(filter.shouldSend(report({ durationMs: 5 }), 1000)).toBe(false);
  expect(filter.shouldSend(report(), due - 1)).toBe(false);
  expect(filter.shouldSend(report(), due)).toBe(true);
  expect(filter.shouldSend(report(), due + 1000)).toBe(false);
});

test("checks started together refresh spread out, not all at once", () => {
  const filter = new ReportFilter();
  const keys = Array.from({ length: 5000 }, (_, i) => `tcp 198.51.${100 + Math.floor(i / 250)}.${1 + (i % 250)} 80`);
  for (const key of keys) filter.shouldSend(report({ key }), 0);
  // Every check again each second, as delay_loop 1 would: how many are sent in each second.
  const perSecond: number[] = [];
  for (let s = 1; s <= 50; s++) perSecond.push(keys.filter((key) => filter.shouldSend(report({ key }), s * 1000)).length);
  expect(perSecond.reduce((a, b) => a + b, 0)).toBe(5000);
  expect(perSecond.slice(0, REFRESH_MS / 1000 - 1).every((n) => n === 0)).toBe(true);
  // Spread over the 15 s after REFRESH_MS: ≈ 333 a second; never a large share at once.
  expect(Math.max(...perSecond)).toBeLessThan(500);
});

test("anything new is sent at once: pass or fail, state, reason, weight, a change", () => {
  const filter = new ReportFilter();
  filter.shouldSend(report({ ok: true, up: true, reason: "connected" }), 0);
  expect(filter.shouldSend(report({ ok: false, up: true, reason: "ECONNREFUSED" }), 10)).toBe(true); // a retry pending
  expect(filter.shouldSend(report({ ok: false, up: false, changed: true }), 20)).toBe(true); // down
  expect(filter.shouldSend(report({ ok: false, up: false, reason: "no connection within 1000 ms" }), 30)).toBe(true);
  expect(filter.shouldSend(report({ ok: false, up: false, reason: "no connection within 1000 ms" }), 40)).toBe(false);
  expect(filter.shouldSend(report({ ok: true, up: true, changed: true, reason: "exit 3", weight: 3 }), 50)).toBe(true);
  expect(filter.shouldSend(report({ ok: true, up: true, reason: "exit 4", weight: 4 }), 60)).toBe(true);
  // Another check is a check of its own.
  expect(filter.shouldSend(report({ key: "tcp 198.51.100.2 80" }), 70)).toBe(true);
});

test("a check dropped from the plan is forgotten: planned again, its first result is sent", () => {
  const filter = new ReportFilter();
  filter.shouldSend(report(), 0);
  filter.retain(new Set(["tcp 198.51.100.2 80"]));
  expect(filter.shouldSend(report(), 10)).toBe(true);
  filter.retain(new Set([report().key]));
  expect(filter.shouldSend(report(), 20)).toBe(false);
});
