// The live status: the snapshot the control socket (control-socket.ts) answers GET /status with, as JSON
// (instances, their state, priority, master, counters and drop reasons, transports, timer lateness). `vipd status`
// reads it.

import type { LoadBalancerStatus } from "../lvs/load-balancer.ts";
import packageJson from "../../package.json" with { type: "json" };
import type { AddressEntry } from "../adapters/address-manager.ts";
import type { TrackerSnapshot } from "../track/tracker-set.ts";
import { formatIp, sameAddress } from "../vrrp/ip-address.ts";
import type { VrrpNode } from "../vrrp/node.ts";
import { REJECT_REASONS } from "../vrrp/reject-reason.ts";
import type { Driver } from "./driver.ts";

/** The JSON's shape version: bumped when a field changes meaning or goes away (fields may be added freely). */
export const STATUS_FORMAT = 2;

export interface StatusSnapshot {
  format: number;
  version: string;
  pid: number;
  uptimeMs: number;
  instances: {
    name: string;
    interface: string;
    vrid: number;
    version: number;
    state: string;
    stopping: boolean;
    /** Held BACKUP by `vipd handover` until `vipd handover --undo`. */
    held: boolean;
    priority: number;
    basePriority: number;
    fault: string | null;
    master: string | null;
    /** Milliseconds since the last advert the instance accepted (the master's, as BACKUP); null: none yet. */
    lastAdvertAgeMs: number | null;
    /** The last state change: from, to, why, and how long ago; null before the first. */
    lastTransition: { from: string; to: string; reason: string; ageMs: number } | null;
    advertIntervalCs: number;
    masterDownIntervalMs: number;
    advertsReceived: number;
    advertsSent: number;
    becameMaster: number;
    /** MASTER periods in which a lower-priority router advertised as MASTER too (split brain). */
    otherMastersSeen: number;
    /** Answers to lower-priority masters left out by the rate limit. */
    lowerPriorityAnswersLimited: number;
    drops: Record<string, number>;
    lastDrop: string | null;
    /** The instance's VIPs (and excluded addresses), and whether each is on its interface now. */
    vips: { address: string; present: boolean }[];
  }[];
  trackers: TrackerSnapshot;
  syncGroups: { name: string; state: string; members: string[] }[];
  /** dynamic_interfaces: instances not running yet because their interface is missing or has no address. */
  waiting?: { instance: string; ifname: string }[];
  /** [virtual_servers]: real servers with their health and checks; the checker process. */
  virtualServers?: LoadBalancerStatus["virtualServers"];
  checker?: LoadBalancerStatus["checker"];
  unattributedDrops: Record<string, number>;
  transports: ReturnType<Driver["transportStats"]>;
  timer: Driver["scheduler"]["stats"];
}

/** What the host holds right now and the trackers' state: read for each snapshot. */
export interface LiveState {
  addresses: readonly AddressEntry[];
  trackers: TrackerSnapshot;
}

export function snapshot(node: VrrpNode, driver: Driver, startedAt: number, now: number, live: LiveState): StatusSnapshot {
  const held = driver.instanceAddresses();
  const present = (spec: { ifindex: number; address: Uint8Array }) =>
    live.addresses.some(
      (a) =>
        a.ifindex === spec.ifindex &&
        a.address.length === spec.address.length &&
        sameAddress(a.address, 0, spec.address, 0, a.address.length),
    );
  const nonZero = (counters: Record<string, number>) =>
    Object.fromEntries(REJECT_REASONS.filter((r) => counters[r]! > 0).map((r) => [r, counters[r]!]));
  return {
    format: STATUS_FORMAT,
    version: packageJson.version,
    pid: process.pid,
    uptimeMs: Math.round(now - startedAt),
    instances: node.routers.map((r) => ({
      name: r.name,
      interface: r.config.interface,
      vrid: r.config.vrid,
      version: r.config.version,
      state: r.notifyState,
      stopping: r.state === "STOPPING",
      held: r.held,
      priority: r.priority,
      basePriority: r.config.priority,
      fault: r.driverFault ?? (r.ownFault !== null ? `tracker ${r.ownFault} is down` : r.groupFault),
      master: r.masterAddressString(),
      lastAdvertAgeMs: r.lastAdvertAtMs === null ? null : Math.round(now - r.lastAdvertAtMs),
      lastTransition: r.lastTransition && {
        from: r.lastTransition.from,
        to: r.lastTransition.to,
        reason: r.lastTransition.reason,
        ageMs: Math.round(now - r.lastTransition.atMs),
      },
      advertIntervalCs: r.masterAdverIntervalCs,
      masterDownIntervalMs: Math.round(r.masterDownIntervalMs * 1000) / 1000,
      advertsReceived: r.stats.advertsReceived,
      advertsSent: r.stats.advertsSent,
      becameMaster: r.stats.becameMaster,
      otherMastersSeen: r.stats.otherMastersSeen,
      lowerPriorityAnswersLimited: r.stats.lowerPriorityAnswersLimited,
      drops: nonZero(r.stats.rejects),
      lastDrop: r.stats.lastReject,
      vips: (held.get(r.name) ?? []).map((spec) => ({ address: `${formatIp(spec.address)}/${spec.prefixlen}`, present: present(spec) })),
    })),
    trackers: live.trackers,
    syncGroups: node.groups.map((g) => ({ name: g.name, state: g.state, members: g.members.map((m) => m.name) })),
    unattributedDrops: nonZero(node.rejects),
    transports: driver.transportStats(),
    timer: { ...driver.scheduler.stats },
  };
}
