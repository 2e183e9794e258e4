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

/** Hears a run's result, once. */
export type ProbeDone = (result: ProbeResult) => void;

/** A probe that threw (a probe is written never to throw): a failed check with the reason, not a stalled one. */
export const checkerError = (e: unknown): ProbeResult => failed(`checker error: ${(e as Error)?.message ?? String(e)}`);

/** Hands a promised result to `done`, a rejection as a checker error. */
export function settle(result: Promise<ProbeResult>, done: ProbeDone): void {
  result.then(done, (e) => done(checkerError(e)));
}
