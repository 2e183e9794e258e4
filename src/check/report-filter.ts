// Which check results the checker process sends the daemon. Every result crossed into the daemon's event loop (the
// VRRP one) as a JSON line; with 5,000 failing checks that was ≈ 5,000 lines a second, and under the VM's emulation
// the daemon spent half a core on them and its adverts came up to 2.4 s late (bench/checkers.ts, part 4). A result
// is sent when it says something new (pass or fail, state, reason, weight, or a change of state), else at most once
// a REFRESH_MS per check, so the daemon's last duration stays recent.

import type { CheckReport } from "./check-runner.ts";

export const REFRESH_MS = 30_000;

interface Sent {
  ok: boolean;
  up: boolean;
  reason: string;
  weight: number | null;
  atMs: number;
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
      nowMs - last.atMs < REFRESH_MS;
    if (same) return false;
    if (last === undefined)
      this.sent.set(report.key, { ok: report.ok, up: report.up, reason: report.reason, weight: report.weight, atMs: nowMs });
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
