// A real server's state from its checkers, as keepalived 2.2.7 combines them: alive while every checker is up
// (a server without checkers is always up); a dynamic checker (misc_dynamic) moves the weight by what it set
// above or below the configured one, and a FILE_CHECK adds its number × weight; the sum is kept within IPVS's
// weights (0..2147483647), as keepalived's real_weight() does.

/** keepalived's IPVS_WEIGHT_LIMIT. */
const MAX_WEIGHT = 2147483647;

export interface CheckerOutcome {
  up: boolean;
  /** The weight a dynamic checker asked for; null: the configured weight. */
  weight: number | null;
  /** What a FILE_CHECK adds to the weight while up; absent: 0. */
  weightDelta?: number;
}

export interface ServerHealth {
  alive: boolean;
  weight: number;
}

export function serverHealth(configuredWeight: number, checkers: readonly CheckerOutcome[]): ServerHealth {
  let alive = true;
  let weight = configuredWeight;
  for (const c of checkers) {
    if (!c.up) alive = false;
    else {
      if (c.weight !== null) weight += c.weight - configuredWeight;
      weight += c.weightDelta ?? 0;
    }
  }
  return { alive, weight: Math.min(MAX_WEIGHT, Math.max(0, weight)) };
}
