// The one-line summary of the instances' states that systemd shows in `systemctl status` (sd_notify STATUS=):
// "3 MASTER, 1 BACKUP". Sent on every state change.

import type { RouterState } from "../vrrp/effects.ts";

const ORDER: readonly RouterState[] = ["MASTER", "BACKUP", "FAULT", "STOPPING", "STOP", "INIT"];

/** "3 MASTER, 1 BACKUP" (states without an instance left out); "no instances" for none. */
export function stateSummary(states: Iterable<RouterState>): string {
  const counts = new Map<RouterState, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  const parts = ORDER.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return parts.length ? parts.join(", ") : "no instances";
}
