// Effective priority from trackers, as keepalived computes it (keepalived.conf(5): track_script,
// track_interface, track_file).
//
// - A tracker with weight 0 puts the instance in FAULT while it is down.
// - A positive weight is added while the tracker is up; a negative weight is added while it is down.
// - `reverse` swaps up and down (keepalived's `weight N reverse`).
// - A value tracker (track_file) contributes value × weight; with weight 0 a non-zero value is a fault, and a
//   product below −253 is a fault too.
// - The result is clamped to 1..254; the address owner (255) is never changed by weights.

import { VRRP_PRIO_OWNER } from "./constants.ts";

export type TrackerKind = "status" | "value";

export interface TrackerConfig {
  /** The name events refer to, e.g. `script:chk_nginx`, `interface:eth1`, `file:/run/weight`. */
  name: string;
  kind: TrackerKind;
  weight: number;
  reverse: boolean;
}

export interface TrackerState {
  up: boolean;
  /** For value trackers: the number read. */
  value: number;
}

export interface EffectivePriority {
  priority: number;
  /** The first tracker that puts the instance in FAULT, or null. */
  faultBy: string | null;
}

const VALUE_FAULT_BELOW = -253;

export function effectivePriority(
  basePriority: number,
  trackers: readonly TrackerConfig[],
  states: readonly TrackerState[],
  out: EffectivePriority,
): EffectivePriority {
  let sum = 0;
  let faultBy: string | null = null;
  for (let i = 0; i < trackers.length; i++) {
    const tracker = trackers[i]!;
    const state = states[i]!;
    if (tracker.kind === "status") {
      const up = tracker.reverse ? !state.up : state.up;
      if (tracker.weight === 0) {
        if (!up && faultBy === null) faultBy = tracker.name;
      } else if (tracker.weight > 0) {
        if (up) sum += tracker.weight;
      } else if (!up) {
        sum += tracker.weight;
      }
    } else if (tracker.weight === 0) {
      if (state.value !== 0 && faultBy === null) faultBy = tracker.name;
    } else {
      const contribution = state.value * tracker.weight * (tracker.reverse ? -1 : 1);
      if (contribution < VALUE_FAULT_BELOW) {
        if (faultBy === null) faultBy = tracker.name;
      } else {
        sum += contribution;
      }
    }
  }
  out.faultBy = faultBy;
  out.priority = basePriority === VRRP_PRIO_OWNER ? VRRP_PRIO_OWNER : Math.min(254, Math.max(1, basePriority + sum));
  return out;
}
