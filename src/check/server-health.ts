// A real server's state from its checkers, as keepalived 2.2.7 combines them: alive while every checker is up
// (a server without checkers is always up); a dynamic checker (misc_dynamic) moves the weight by what it set
// above or below the configured one.

export interface CheckerOutcome {
  up: boolean;
  /** The weight a dynamic checker asked for; null: the configured weight. */
  weight: number | null;
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
    else if (c.weight !== null) weight += c.weight - configuredWeight;
  }
  return { alive, weight: Math.max(0, weight) };
}
