// Which check results the checker process sends the daemon. Every result crossed into the daemon's event loop (the
// VRRP one) as a JSON line; with 5,000 failing checks that was ≈ 5,000 lines a second, and under the VM's emulation
// the daemon spent half a core on them and its adverts came up to 2.4 s late (bench/checkers.ts, part 4). A result
// is sent when it says something new (pass or fail, state, reason, weight, or a change of state), else at most once
// a REFRESH_MS per check, so the daemon's last duration stays recent. Each check's refresh comes a little later than
// that, by a share of REFRESH_SPREAD_MS fixed by its key: checks that start together (all of them, at start) would
// otherwise refresh together every REFRESH_MS, 5,000 lines at once.

import type { CheckReport } from "./check-runner.ts";

export const REFRESH_MS = 30_000;
export const REFRESH_SPREAD_MS = 15_000;

/** The check's own delay beyond REFRESH_MS: FNV-1a of its key, spread over REFRESH_SPREAD_MS. */
export function refreshDelayMs(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return REFRESH_MS + (hash % REFRESH_SPREAD_MS);
}

interface Sent {
  ok: boolean;
  up: boolean;
  reason: string;
  weight: number | null;
  atMs: number;
  /** refreshDelayMs of its key. */
  refreshMs: number;
}

export class ReportFilter {
  private readonly sent = new Map<string, Sent>();

  /** Whether to send this result; remembers it when so. */
  shouldSend(report: CheckReport, nowMs: number): boolean {
    const last = this.sent.get(report.key);
    const same =
      last !== undefined &&
      !report.changed &&
      last.ok === report.ok &&
      last.up === report.up &&
      last.reason === report.reason &&
      last.weight === report.weight &&
      nowMs - last.atMs < last.refreshMs;
    if (same) return false;
    if (last === undefined)
      this.sent.set(report.key, {
        ok: report.ok,
        up: report.up,
        reason: report.reason,
        weight: report.weight,
        atMs: nowMs,
        refreshMs: refreshDelayMs(report.key),
      });
    else {
      last.ok = report.ok;
      last.up = report.up;
      last.reason = report.reason;
      last.weight = report.weight;
      last.atMs = nowMs;
    }
    return true;
  }

  /** A new plan: checks no longer planned are forgotten (one planned again starts afresh). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.sent.keys()) if (!keys.has(key)) this.sent.delete(key);
  }
}
