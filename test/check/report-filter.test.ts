// The checker process sends a result only when it says something new, or to refresh a check's last duration.

import { expect, test } from "bun:test";
import type { CheckReport } from "../../src/check/check-runner.ts";
import { REFRESH_MS, ReportFilter } from "../../src/check/report-filter.ts";

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

test("the first result is sent, the same again is not until the refresh is due", () => {
  const filter = new ReportFilter();
  expect(filter.shouldSend(report(), 0)).toBe(true);
  expect(filter.shouldSend(report({ durationMs: 5 }), 1000)).toBe(false);
  expect(filter.shouldSend(report(), REFRESH_MS - 1)).toBe(false);
  expect(filter.shouldSend(report(), REFRESH_MS)).toBe(true);
  expect(filter.shouldSend(report(), REFRESH_MS + 1000)).toBe(false);
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
