// The daemon and its checker process talk in JSON lines over the child's stdin and stdout: the daemon sends the
// plan (every distinct check), the checker sends each result and a heartbeat. What comes from the child is
// checked before use: a malformed line is reported, never trusted.

import type { CheckReport, PlannedCheck } from "./check-runner.ts";

export type ToChecker = { type: "plan"; checks: PlannedCheck[] };
export type FromChecker = { type: "report"; report: CheckReport } | { type: "beat" };

/** The argument that makes the executable a checker process (not a command people run; see src/cli/entry.ts). */
export const CHECKER_ARGUMENT = "--internal-checker-process";

/** The checker sends this often; the daemon restarts a checker it has not heard for HEARTBEAT_LOST_MS. */
export const HEARTBEAT_MS = 250;
export const HEARTBEAT_LOST_MS = 1000;

export function encodeMessage(message: ToChecker | FromChecker): string {
  return `${JSON.stringify(message)}\n`;
}

export function decodeFromChecker(line: string): FromChecker | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.type === "beat") return { type: "beat" };
  if (m.type !== "report" || typeof m.report !== "object" || m.report === null) return null;
  const r = m.report as Record<string, unknown>;
  const ok =
    typeof r.key === "string" &&
    typeof r.ok === "boolean" &&
    typeof r.up === "boolean" &&
    typeof r.changed === "boolean" &&
    typeof r.reason === "string" &&
    (r.weight === null || (typeof r.weight === "number" && Number.isInteger(r.weight) && r.weight >= 0)) &&
    typeof r.durationMs === "number" &&
    Number.isFinite(r.durationMs);
  return ok ? { type: "report", report: r as unknown as CheckReport } : null;
}

export function decodeToChecker(line: string): ToChecker | null {
  try {
    const value = JSON.parse(line) as ToChecker;
    return value?.type === "plan" && Array.isArray(value.checks) ? value : null;
  } catch {
    return null;
  }
}
