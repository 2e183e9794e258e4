// What one run of a check found.

export interface ProbeResult {
  ok: boolean;
  /** Why it failed, or what passed ("connected", "HTTP 200"): a phrase for the log and status. */
  reason: string;
  /** The weight a dynamic check (misc_dynamic) asks for; null: the configured weight. */
  weight: number | null;
}

export const passed = (reason: string, weight: number | null = null): ProbeResult => ({ ok: true, reason, weight });
export const failed = (reason: string): ProbeResult => ({ ok: false, reason, weight: null });
