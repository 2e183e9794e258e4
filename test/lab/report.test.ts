import { expect, test } from "bun:test";
import { expectationFor, judge } from "../../src/lab/expected.ts";
import { labPrefix, makePlan } from "../../src/lab/plan.ts";
import { formatHeader, formatOffset, formatScenario, formatSummary, padTable, type ScenarioResult } from "../../src/lab/report.ts";
import type { ScenarioMeasure } from "../../src/lab/timeline.ts";

const plan = makePlan({ routers: 3, version: 3, peer: "vipd" }, labPrefix(7));
const [r1, r2] = plan.routers as [(typeof plan.routers)[0], (typeof plan.routers)[0]];
const plain = { colour: false };

const measure = (over: Partial<ScenarioMeasure> = {}): ScenarioMeasure => ({
  events: [
    { at: -17.1, text: "last advert from r1 (priority 150)" },
    { at: 0, text: "fault: p-r1 down" },
    { at: 328.3, text: "first advert from r2 (priority 140): new master" },
  ],
  outageMs: 329.3,
  ongoing: false,
  sent: 367,
  lost: 156,
  takeoverAt: 328.3,
  masterAtEnd: "r2",
  ...over,
});

function result(kind: ScenarioResult["kind"], m: ScenarioMeasure, index = 1): ScenarioResult {
  const expectation = expectationFor(kind, plan, r2, r1);
  return {
    index,
    kind,
    title: "hard failure: r1's cable is cut",
    expectation,
    measure: m,
    verdict: judge(expectation, m, "r2"),
    notes: [],
  };
}

test("expected figures come from the RFC timers: Master_Down_Interval and Skew_Time of the new master", () => {
  // v3, 10 cs, priority 140: skew = (256 - 140) × 10 cs / 256 = 45.3 ms; Master_Down = 300 ms + skew.
  expect(expectationFor("hard-failure", plan, r2, r1).short).toBe("≤ 345.3 ms (Master_Down)");
  expect(expectationFor("health-fault", plan, r2, r1).short).toBe("≈ 45.3 ms (Skew_Time)");
  expect(expectationFor("graceful-stop", plan, r2, r1).maxOutageMs).toBeNull();
  const v2 = makePlan({ routers: 2, version: 2, peer: "vipd" }, "p");
  // v2: skew = (256 - 140) / 256 s whatever the interval.
  expect(expectationFor("hard-failure", v2, v2.routers[1]!, v2.routers[0]!).short).toBe("≤ 3453.1 ms (Master_Down)");
});

test("verdicts: within the figure passes; over it, a lost ping in a handover, or the wrong master fails", () => {
  expect(result("hard-failure", measure()).verdict.pass).toBe(true);
  expect(result("hard-failure", measure({ outageMs: 500 })).verdict).toMatchObject({ pass: false });
  expect(result("graceful-stop", measure({ lost: 0, outageMs: 2 })).verdict.pass).toBe(true);
  expect(result("graceful-stop", measure({ lost: 1 })).verdict.reason).toBe("1 ping(s) lost, expected none");
  expect(result("hard-failure", measure({ masterAtEnd: "r3" })).verdict.reason).toContain("the master was r3, not r2");
  expect(result("hard-failure", measure({ takeoverAt: null })).verdict.reason).toBe("r2 never advertised");
  expect(result("hard-failure", measure({ ongoing: true })).verdict.pass).toBe(false);
});

test("a scenario block: signed offsets right-aligned, outage, expectation, verdict; no escape codes when plain", () => {
  const text = formatScenario(plain, result("hard-failure", measure()));
  expect(text.split("\n")).toEqual([
    "1. hard failure: r1's cable is cut",
    "   -17.1 ms  last advert from r1 (priority 150)",
    "     0.0 ms  fault: p-r1 down",
    "  +328.3 ms  first advert from r2 (priority 140): new master",
    "  outage (longest gap between replies): 329.3 ms; 156 of 367 pings lost",
    "  expected: ≤ 345.3 ms: r2's Master_Down_Interval = 3 × 100 ms + skew 45.3 ms",
    "  verdict:  PASS",
  ]);
  expect(formatScenario({ colour: true }, result("hard-failure", measure()))).toContain("\u001b[32mPASS\u001b[0m");
});

test("the summary table aligns its columns and ends with the overall line", () => {
  const results = [result("hard-failure", measure()), result("graceful-stop", measure({ lost: 0, outageMs: 2.04 }), 2)];
  const lines = formatSummary(plain, results, 5678, 2).split("\n");
  expect(lines).toEqual([
    "summary",
    "  scenario          expected                    outage  lost  verdict",
    "  1. hard failure   ≤ 345.3 ms (Master_Down)  329.3 ms   156  PASS",
    "  2. graceful stop  0 lost (handover)           2.0 ms     0  PASS",
    "all 2 scenarios behaved as expected (5.7 s)",
  ]);
  const failed = formatSummary(plain, [results[0]!], 1000, 4).split("\n");
  expect(failed.at(-1)).toBe("1 of 4 scenarios behaved as expected (1.0 s)");
});

test("the header names the namespaces, the parameters and every router", () => {
  const text = formatHeader(plain, plan, { command: "/usr/local/bin/vipd", keepalivedVersion: null });
  expect(text).toContain("in network namespaces vipdlab-7-*");
  expect(text).toContain("VRRPv3, VRID 51, advert_int 0.1 s, VIP 192.0.2.100/24");
  expect(text).toContain("  r2  192.0.2.12  priority 140  vipd");
  expect(text).not.toContain("\u001b[");
});

test("offsets and tables", () => {
  expect([formatOffset(-1.25), formatOffset(0), formatOffset(0.04), formatOffset(12)]).toEqual([
    "-1.3 ms",
    " 0.0 ms",
    " 0.0 ms",
    "+12.0 ms",
  ]);
  expect(
    padTable(
      [
        ["a", "1", "x"],
        ["bbb", "22", "y"],
      ],
      new Set([1]),
    ),
  ).toEqual(["a     1  x", "bbb  22  y"]);
});
