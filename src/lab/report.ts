// The lab's output: a short header, one block per scenario (its timeline and the outage against the RFC's
// figure), and a summary table. Pure: every function returns text; colour only when asked (a terminal).

import { advertIntSeconds } from "./configs.ts";
import type { Expectation, ScenarioKind, Verdict } from "./expected.ts";
import type { LabPlan } from "./plan.ts";
import type { ScenarioMeasure } from "./timeline.ts";

export interface ScenarioResult {
  index: number;
  kind: ScenarioKind;
  title: string;
  expectation: Expectation;
  measure: ScenarioMeasure;
  verdict: Verdict;
  /** Lines said after the block (the restoration after a scenario...). */
  notes: string[];
}

export interface Style {
  colour: boolean;
}

const paint = (code: number) => (style: Style, text: string) => (style.colour ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = paint(1);
const green = paint(32);
const red = paint(31);
const dim = paint(2);

export function verdictWord(style: Style, verdict: Verdict): string {
  return verdict.pass ? green(style, "PASS") : red(style, "FAIL");
}

export function formatMs(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

/** A time relative to the fault: always signed, so before and after read apart. */
export function formatOffset(ms: number): string {
  const sign = ms > 0.05 ? "+" : ms < -0.05 ? "-" : " ";
  return `${sign}${Math.abs(ms).toFixed(1)} ms`;
}

export function padTable(rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - visibleLength(cell));
        if (i === row.length - 1 && !rightAligned.has(i)) return cell;
        return rightAligned.has(i) ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd(),
  );
}

function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  return text.replace(/\u001b\[[0-9;]*m/g, "").length;
}

export interface HeaderInfo {
  /** The vipd command the routers run. */
  command: string;
  keepalivedVersion: string | null;
}

export function formatHeader(style: Style, plan: LabPlan, info: HeaderInfo): string {
  const lines = [
    bold(style, `vipd lab: ${plan.routers.length} routers and a client on a bridge, in network namespaces ${plan.prefix}-*`),
    `  VRRPv${plan.version}, VRID ${plan.vrid}, advert_int ${advertIntSeconds(plan)} s, VIP ${plan.vip}/${plan.prefixLength}; the client ${plan.client.ipv4} pings the VIP every 2 ms`,
  ];
  const rows = plan.routers.map((r) => [
    `  ${r.name}`,
    r.ipv4,
    `priority ${r.priority}`,
    r.daemon === "keepalived" ? `keepalived${info.keepalivedVersion ? ` ${info.keepalivedVersion}` : ""}` : "vipd",
  ]);
  if (plan.virtualMac) lines.push(`  use_vmac: every router answers for the VIP from the virtual router MAC ${plan.virtualMac}`);
  lines.push(...padTable(rows), dim(style, `  vipd runs as: ${info.command}`));
  return lines.join("\n");
}

export function formatScenario(style: Style, result: ScenarioResult): string {
  const m = result.measure;
  const lines = [bold(style, `${result.index}. ${result.title}`)];
  lines.push(
    ...padTable(
      m.events.map((e) => [`  ${formatOffset(e.at)}`, e.text]),
      new Set([0]),
    ),
  );
  const outage = `${formatMs(m.outageMs)}${m.ongoing ? " (still no reply at the end)" : ""}`;
  lines.push(`  outage (longest gap between replies): ${outage}; ${m.lost} of ${m.sent} pings lost`);
  lines.push(`  expected: ${result.expectation.text}`);
  lines.push(`  verdict:  ${verdictWord(style, result.verdict)}${result.verdict.pass ? "" : `: ${result.verdict.reason}`}`);
  for (const note of result.notes) lines.push(dim(style, `  ${note}`));
  return lines.join("\n");
}

export function formatSummary(style: Style, results: ScenarioResult[], elapsedMs: number, plannedCount: number): string {
  const rows = [
    ["  scenario", "expected", "outage", "lost", "verdict"],
    ...results.map((r) => [
      `  ${r.index}. ${shortTitle(r.kind)}`,
      r.expectation.short,
      formatMs(r.measure.outageMs),
      String(r.measure.lost),
      verdictWord(style, r.verdict),
    ]),
  ];
  const passed = results.filter((r) => r.verdict.pass).length;
  const all = passed === plannedCount && results.length === plannedCount;
  const tail = all
    ? `all ${plannedCount} scenarios behaved as expected (${(elapsedMs / 1000).toFixed(1)} s)`
    : `${passed} of ${plannedCount} scenarios behaved as expected (${(elapsedMs / 1000).toFixed(1)} s)`;
  return [bold(style, "summary"), ...padTable(rows, new Set([2, 3])), all ? green(style, tail) : red(style, tail)].join("\n");
}

export function shortTitle(kind: ScenarioKind): string {
  switch (kind) {
    case "hard-failure":
      return "hard failure";
    case "graceful-stop":
      return "graceful stop";
    case "preempt":
      return "master returns";
    case "health-fault":
      return "health check fails";
  }
}
