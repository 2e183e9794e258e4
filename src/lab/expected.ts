// What the RFC says each scenario should cost the client, from the same timer arithmetic the daemon uses
// (src/vrrp/timing.ts), and the verdict on a measurement. Pure.

import { masterDownIntervalMs, skewTimeMs } from "../vrrp/timing.ts";
import type { LabPlan } from "./plan.ts";
import type { ScenarioMeasure } from "./timeline.ts";

export type ScenarioKind = "hard-failure" | "graceful-stop" | "preempt" | "health-fault";

/**
 * Slack over the RFC figure before a measured outage counts as wrong: the client's ping interval, timer
 * lateness and the scheduling of a loaded machine. Measured outages sit well inside it on an idle machine.
 */
export const OUTAGE_MARGIN_MS = 100;

export interface Expectation {
  /** One line for the scenario's block. */
  text: string;
  /** A few words for the summary table. */
  short: string;
  /** Largest acceptable outage (ms), or null when the criterion is "no ping lost". */
  maxOutageMs: number | null;
}

export interface Verdict {
  pass: boolean;
  /** Why not, when it failed. */
  reason: string;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

export function expectationFor(
  kind: ScenarioKind,
  plan: LabPlan,
  newMaster: { name: string; priority: number },
  oldMaster: { name: string },
): Expectation {
  const intervalMs = plan.advertIntervalCs * 10;
  const skew = skewTimeMs(plan.version, newMaster.priority, plan.advertIntervalCs);
  const mdi = masterDownIntervalMs(plan.version, newMaster.priority, plan.advertIntervalCs);
  switch (kind) {
    case "hard-failure":
      return {
        text: `≤ ${ms(mdi)}: ${newMaster.name}'s Master_Down_Interval = 3 × ${intervalMs} ms + skew ${ms(skew)}`,
        short: `≤ ${ms(mdi)} (Master_Down)`,
        maxOutageMs: mdi + OUTAGE_MARGIN_MS,
      };
    case "graceful-stop":
      return {
        text: `0 lost: ${oldMaster.name} keeps the VIP until ${newMaster.name} takes over, Skew_Time ${ms(skew)} after priority 0`,
        short: "0 lost (handover)",
        maxOutageMs: null,
      };
    case "preempt":
      return {
        text: `0 lost: ${newMaster.name} takes over Master_Down_Interval ${ms(mdi)} after it starts; ${oldMaster.name} serves until then`,
        short: "0 lost (preempt)",
        maxOutageMs: null,
      };
    case "health-fault":
      return {
        text: `≈ ${ms(skew)}: ${oldMaster.name} goes FAULT and sends priority 0, ${newMaster.name} takes over after Skew_Time`,
        short: `≈ ${ms(skew)} (Skew_Time)`,
        maxOutageMs: skew + OUTAGE_MARGIN_MS,
      };
  }
}

export function judge(expectation: Expectation, measure: ScenarioMeasure, newMaster: string): Verdict {
  if (measure.takeoverAt === null) return { pass: false, reason: `${newMaster} never advertised` };
  if (measure.masterAtEnd !== newMaster)
    return {
      pass: false,
      reason: `at the end the master was ${measure.masterAtEnd ?? "unclear (none or several advertising)"}, not ${newMaster}`,
    };
  if (measure.ongoing) return { pass: false, reason: "the client got no reply by the end of the scenario" };
  if (measure.sent === 0) return { pass: false, reason: "the client sent no ping" };
  if (expectation.maxOutageMs === null) {
    return measure.lost === 0 ? { pass: true, reason: "" } : { pass: false, reason: `${measure.lost} ping(s) lost, expected none` };
  }
  return measure.outageMs <= expectation.maxOutageMs
    ? { pass: true, reason: "" }
    : { pass: false, reason: `outage ${ms(measure.outageMs)} is over the expected figure + ${OUTAGE_MARGIN_MS} ms margin` };
}
