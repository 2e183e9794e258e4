// keepalived's interface_up_down_delays: `interface_up_down_delays = { eth0 = { down = 2, up = 0.5 } }` in
// [global], and the bounds keepalived puts on them so that a delayed "down" cannot outlast the peers' patience.

import type { InstanceSection, LinkDelay } from "./schema.ts";
import { TableReader } from "./table-reader.ts";

/** keepalived's limit. */
export const MAX_LINK_DELAY_S = 255;

export function readLinkDelays(r: TableReader): Record<string, LinkDelay> {
  const key = "interface_up_down_delays";
  const table = r.optTable(key, "a table of interfaces, each {down, up} in seconds");
  const out: Record<string, LinkDelay> = {};
  if (table === null) return out;
  for (const ifname of Object.keys(table)) {
    const at = r.at(key).concat(ifname);
    const value = table[ifname];
    if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
      r.problems.error(at, "must be a table {down, up} of seconds");
      continue;
    }
    const d = new TableReader(r.problems, at, value as Record<string, unknown>, ["down", "up"]);
    if (!d.has("down")) d.missing("down", `seconds from 0 to ${MAX_LINK_DELAY_S}`);
    out[ifname] = { downMs: d.seconds("down", 0, MAX_LINK_DELAY_S, 0), upMs: d.seconds("up", 0, MAX_LINK_DELAY_S, 0) };
  }
  return out;
}

/**
 * The delays the daemon applies. As keepalived 2.2.7 does, a delay on an instance's own interface stays below
 * (down_timer_adverts − 1) advert intervals (less 1/256 of one), and is dropped when down_timer_adverts is 1:
 * otherwise the peers would take over before this router even notices its link is back. `adjusted` says what
 * changed, for the log.
 */
export function effectiveLinkDelays(
  delays: Record<string, LinkDelay>,
  instances: readonly InstanceSection[],
): { delays: Map<string, LinkDelay>; adjusted: string[] } {
  const out = new Map<string, LinkDelay>(Object.entries(delays).map(([k, v]) => [k, { ...v }]));
  const adjusted: string[] = [];
  for (const instance of instances) {
    const delay = out.get(instance.interface);
    if (!delay || (delay.downMs === 0 && delay.upMs === 0)) continue;
    const n = instance.election.downTimerAdverts;
    const intervalMs = instance.advertIntervalCs * 10;
    const limitMs = n === 1 ? 0 : (n - 1) * intervalMs - intervalMs / 256;
    const before = `${delay.downMs / 1000} s down, ${delay.upMs / 1000} s up`;
    if (n === 1) {
      delay.downMs = 0;
      delay.upMs = 0;
    } else {
      if (delay.downMs >= (n - 1) * intervalMs) delay.downMs = limitMs;
      if (delay.upMs >= (n - 1) * intervalMs) delay.upMs = limitMs;
    }
    const after = `${delay.downMs / 1000} s down, ${delay.upMs / 1000} s up`;
    if (after !== before) {
      const why = n === 1 ? "down_timer_adverts is 1" : `they must stay below ${n - 1} advert intervals`;
      adjusted.push(
        `interface_up_down_delays: ${instance.interface}'s ${before} lowered to ${after} for instance ${instance.name} (${why})`,
      );
    }
  }
  return { delays: out, adjusted };
}
