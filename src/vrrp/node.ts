// All VRRP instances of one daemon, and the sync groups that tie some of them together. The driver feeds every
// event here with the current time and carries out the effects; nextDeadline() says when to call back.

import { AdvertDecoder, reject } from "./advert.ts";
import { IPPROTO_AH } from "./constants.ts";
import type { Effect, LogEffect, RouterState, VrrpState } from "./effects.ts";
import type { AdvertReceivedEvent, VrrpEvent } from "./events.ts";
import type { InstanceConfig } from "./instance-config.ts";
import { AH_HEADER_LENGTH, ahPayloadOffset } from "./ipsec-ah.ts";
import { newRejectCounters, type RejectCounters } from "./reject-reason.ts";
import { Router } from "./router.ts";

export interface SyncGroupConfig {
  name: string;
  /** Instance names. */
  members: readonly string[];
}

export interface NodeConfig {
  instances: readonly InstanceConfig[];
  syncGroups: readonly SyncGroupConfig[];
  /** keepalived's vrrp_startup_delay: no takeover this long after Startup (a reload does not start it again). */
  startupDelayMs?: number;
}

class SyncGroup {
  state: VrrpState = "INIT";
  constructor(
    readonly name: string,
    readonly members: Router[],
  ) {}
}

interface TrackerUse {
  router: Router;
  index: number;
}

/** Routers of one interface by family and VRID: a lookup without building a key string per packet. */
interface InterfaceRouters {
  v4: (Router | undefined)[];
  v6: (Router | undefined)[];
}

/** What a reload did: instances kept (possibly renamed), added and removed. */
export interface ReconfigureSummary {
  kept: { from: string; to: string }[];
  added: string[];
  removed: string[];
}

/**
 * The identity of an instance across reloads, as keepalived matches them: interface, family, VRID and the
 * unicast peers, not the name. A kept instance keeps its state and its VIPs.
 */
export function instanceKey(config: InstanceConfig): string {
  const peers = config.unicastPeers
    .map((p) => p.join("."))
    .sort()
    .join(",");
  return `${config.interface}|${config.family}|${config.vrid}|${peers}`;
}

export class VrrpNode {
  /** Rejects that could not be attributed to an instance (unknown VRID, too short to carry one). */
  readonly rejects: RejectCounters = newRejectCounters();
  private routerList: Router[] = [];
  private groupList: SyncGroup[] = [];
  private byName = new Map<string, Router>();
  private byInterface = new Map<string, InterfaceRouters>();
  private groupOf = new Map<Router, SyncGroup>();
  private trackerUses = new Map<string, TrackerUse[]>();
  private readonly decoder = new AdvertDecoder();
  /** After a Shutdown event: "requested", then "stopped" once the Stopped effect went out. */
  private shutdown: "running" | "requested" | "stopped" = "running";
  private readonly startupDelayMs: number;
  /** The end of the startup delay, once started; instances a reload adds before then wait for it too. */
  private takeoverNotBefore = -Infinity;

  constructor(config: NodeConfig) {
    this.startupDelayMs = config.startupDelayMs ?? 0;
    this.index(
      config.instances.map((instance) => new Router(instance)),
      config.syncGroups,
    );
  }

  get routers(): readonly Router[] {
    return this.routerList;
  }

  get groups(): readonly SyncGroup[] {
    return this.groupList;
  }

  /**
   * A reload: instances that match an old one by instanceKey() take the new settings and keep their state (a
   * MASTER stays MASTER with its VIPs); old ones without a match stop (priority 0, VIPs released); new ones
   * start. Throws, changing nothing, when the new config is inconsistent (the loader has checked it before).
   */
  reconfigure(config: NodeConfig, nowMs: number, out: Effect[]): ReconfigureSummary {
    const kept = this.keptRouters(config);
    const keptSet = new Set(kept.values());
    const unmatched = this.routerList.filter((r) => !keptSet.has(r));
    const summary: ReconfigureSummary = { kept: [], added: [], removed: [] };
    const plan = config.instances.map((instance) => ({ instance, old: kept.get(instance.name) }));
    const routers = plan.map(({ instance, old }) => (old ? old : new Router(instance)));
    // Check the new indexes before touching any router, so a bad config leaves everything as it was.
    const previous = this.snapshotIndexes();
    try {
      this.index(
        routers,
        config.syncGroups,
        plan.map(({ instance }) => instance),
      );
    } catch (error) {
      this.restoreIndexes(previous);
      throw error;
    }
    for (const router of unmatched) {
      summary.removed.push(router.name);
      router.shutdown(false, nowMs, out);
    }
    for (let i = 0; i < plan.length; i++) {
      const { instance, old } = plan[i]!;
      if (old) {
        summary.kept.push({ from: old.name, to: instance.name });
        old.reconfigure(instance, nowMs);
      } else {
        summary.added.push(instance.name);
      }
    }
    for (const group of this.groupList) this.settleGroupFaults(group);
    for (const router of this.routerList) {
      const before = router.state;
      if (summary.added.includes(router.name)) {
        router.holdTakeoverUntil(this.takeoverNotBefore);
        router.startup(nowMs, out);
      } else router.reconcile(nowMs, out);
      this.followed(router, before, nowMs, out);
    }
    this.notifyGroups(out);
    return summary;
  }

  /** Which running router each instance of `config` would keep (by instanceKey), by the new instance's name. */
  keptRouters(config: NodeConfig): Map<string, Router> {
    const byKey = new Map<string, Router>(this.routerList.map((r) => [instanceKey(r.config), r]));
    const kept = new Map<string, Router>();
    for (const instance of config.instances) {
      const key = instanceKey(instance);
      const old = byKey.get(key);
      if (!old) continue;
      byKey.delete(key);
      kept.set(instance.name, old);
    }
    return kept;
  }

  /** Builds the lookup tables; `configs` gives the names and keys to index under when routers are reused. */
  private index(
    routers: Router[],
    syncGroups: readonly SyncGroupConfig[],
    configs: readonly InstanceConfig[] = routers.map((r) => r.config),
  ): void {
    this.routerList = routers;
    this.byName = new Map();
    this.byInterface = new Map();
    this.groupOf = new Map();
    this.trackerUses = new Map();
    routers.forEach((router, i) => {
      const instance = configs[i]!;
      if (this.byName.has(instance.name)) throw new Error(`duplicate instance name ${instance.name}`);
      this.byName.set(instance.name, router);
      let slots = this.byInterface.get(instance.interface);
      if (!slots) {
        slots = { v4: [], v6: [] };
        this.byInterface.set(instance.interface, slots);
      }
      const table = instance.family === 4 ? slots.v4 : slots.v6;
      if (table[instance.vrid]) {
        throw new Error(`VRID ${instance.vrid} is used twice on ${instance.interface} (IPv${instance.family})`);
      }
      table[instance.vrid] = router;
      instance.trackers.forEach((tracker, index) => {
        const uses = this.trackerUses.get(tracker.name) ?? [];
        uses.push({ router, index });
        this.trackerUses.set(tracker.name, uses);
      });
    });
    const groups: SyncGroup[] = [];
    for (const groupConfig of syncGroups) {
      const members = groupConfig.members.map((name) => {
        const router = this.byName.get(name);
        if (!router) throw new Error(`sync group ${groupConfig.name}: no instance ${name}`);
        if (this.groupOf.has(router)) throw new Error(`instance ${name} is in two sync groups`);
        return router;
      });
      const previous = this.groupList.find((g) => g.name === groupConfig.name);
      const group = new SyncGroup(groupConfig.name, members);
      if (previous) group.state = previous.state;
      for (const member of members) this.groupOf.set(member, group);
      groups.push(group);
    }
    this.groupList = groups;
  }

  private snapshotIndexes() {
    return {
      routerList: this.routerList,
      groupList: this.groupList,
      byName: this.byName,
      byInterface: this.byInterface,
      groupOf: this.groupOf,
      trackerUses: this.trackerUses,
    };
  }

  private restoreIndexes(saved: ReturnType<VrrpNode["snapshotIndexes"]>): void {
    Object.assign(this, saved);
  }

  router(name: string): Router | undefined {
    return this.byName.get(name);
  }

  /** The earliest deadline of any instance, or Infinity. */
  nextDeadline(): number {
    let next = Infinity;
    for (const router of this.routers) {
      const deadline = router.nextDeadline();
      if (deadline < next) next = deadline;
    }
    return next;
  }

  handle(event: VrrpEvent, nowMs: number, out: Effect[]): void {
    switch (event.type) {
      case "Startup":
        if (this.startupDelayMs > 0) this.takeoverNotBefore = nowMs + this.startupDelayMs;
        for (const group of this.groups) this.settleGroupFaults(group);
        for (const router of this.routers) {
          const before = router.state;
          router.holdTakeoverUntil(this.takeoverNotBefore);
          router.startup(nowMs, out);
          this.followed(router, before, nowMs, out);
        }
        break;
      case "Shutdown":
        if (this.shutdown === "running") this.shutdown = "requested";
        for (const router of this.routers) router.shutdown(event.handover, nowMs, out);
        break;
      case "TimerFired":
        for (const router of this.routers) {
          if (router.nextDeadline() > nowMs) continue;
          const before = router.state;
          router.onTimer(nowMs, out);
          this.followed(router, before, nowMs, out);
        }
        break;
      case "TrackerChanged":
        this.trackerChanged(event.tracker, event.up, event.value, nowMs, out);
        break;
      case "AdvertReceived":
        this.advertReceived(event, nowMs, out);
        break;
      case "Handover":
        for (const router of this.routers) {
          if (event.instance !== null && router.name !== event.instance) continue;
          const before = router.state;
          if (event.undo) router.undoHandover(nowMs, out);
          else router.handover(nowMs, out);
          this.followed(router, before, nowMs, out);
        }
        break;
      case "InstanceFailed": {
        const router = this.byName.get(event.instance);
        if (!router) break;
        router.setDriverFault(event.reason);
        const before = router.state;
        router.reconcile(nowMs, out);
        this.followed(router, before, nowMs, out);
        break;
      }
    }
    this.notifyGroups(out);
    if (this.shutdown === "requested" && this.routers.every((router) => router.state === "STOP")) {
      this.shutdown = "stopped";
      out.push({ type: "Stopped" });
    }
  }

  private advertReceived(event: AdvertReceivedEvent, nowMs: number, out: Effect[]): void {
    const slots = this.byInterface.get(event.interface);
    const table = slots ? (event.family === 4 ? slots.v4 : slots.v6) : undefined;
    let offset = event.offset;
    let length = event.length;
    const inAh = event.ipProtocol === IPPROTO_AH;
    if (inAh) {
      offset = ahPayloadOffset(event.packet, event.offset, event.length);
      if (offset < 0 || event.ipOffset === undefined) {
        const vrid = event.length >= AH_HEADER_LENGTH + 2 ? event.packet[event.offset + AH_HEADER_LENGTH + 1]! : -1;
        const router = vrid >= 0 ? table?.[vrid] : undefined;
        if (router) router.countReject("ah-malformed", null, nowMs, out, event.src);
        else this.rejects["ah-malformed"]++;
        return;
      }
      length = event.offset + event.length - offset;
    }
    // A packet the transport already refused (an IPv6 fragment, a routing header) is only counted.
    const result = event.drop
      ? reject(event.drop)
      : this.decoder.decode(event.packet, offset, length, event.family, event.src, event.dst, event.ttl);
    if (!result.ok) {
      // Attribute the reject to the instance its VRID byte names, when there is one, so status shows it there.
      const vrid = length >= 2 ? event.packet[offset + 1]! : -1;
      const router = vrid >= 0 ? table?.[vrid] : undefined;
      if (router) router.countReject(result.reason, null, nowMs, out, event.src);
      else this.rejects[result.reason]++;
      return;
    }
    if (inAh) {
      result.advert.ipOffset = event.ipOffset!;
      result.advert.ahOffset = event.offset;
    }
    const router = table?.[result.advert.vrid];
    if (!router) {
      this.rejects["vrid-unknown"]++;
      return;
    }
    const before = router.state;
    router.receive(result.advert, nowMs, out);
    this.followed(router, before, nowMs, out);
  }

  private trackerChanged(name: string, up: boolean, value: number, nowMs: number, out: Effect[]): void {
    const uses = this.trackerUses.get(name);
    if (!uses) return;
    const touched = new Set<Router>();
    for (const use of uses) {
      const priorityBefore = use.router.priority;
      use.router.updateTracker(use.index, up, value);
      if (use.router.priority !== priorityBefore) out.push(priorityChangeLog(use.router, priorityBefore, name, up, value));
      touched.add(use.router);
      const group = this.groupOf.get(use.router);
      if (group) {
        this.settleGroupFaults(group);
        for (const member of group.members) touched.add(member);
      }
    }
    for (const router of touched) {
      const before = router.state;
      router.reconcile(nowMs, out);
      this.followed(router, before, nowMs, out);
    }
  }

  /** keepalived: one member in FAULT puts the whole group in FAULT until its own fault clears. */
  private settleGroupFaults(group: SyncGroup): void {
    const faulty = group.members.find((member) => member.ownFault !== null || member.driverFault !== null);
    for (const member of group.members) {
      member.setGroupFault(faulty && faulty !== member ? `sync group ${group.name}: ${faulty.name} is in FAULT` : null);
    }
  }

  /** After a router's own step: if it changed state, moves the rest of its sync group along. */
  private followed(router: Router, before: RouterState, nowMs: number, out: Effect[]): void {
    const after = router.state;
    if (before === after) return;
    const group = this.groupOf.get(router);
    if (!group) return;
    if (after === "MASTER" || (after === "BACKUP" && before === "MASTER")) {
      const reason = `sync group ${group.name}: ${router.name} became ${after}`;
      for (const member of group.members) if (member !== router) member.followGroup(after, reason, nowMs, out);
    }
  }

  /** A GROUP notification when all members of a group have reached the same new state. */
  private notifyGroups(out: Effect[]): void {
    for (const group of this.groups) {
      const state = group.members[0]?.notifyState;
      if (!state || state === group.state) continue;
      if (!group.members.every((member) => member.notifyState === state)) continue;
      const from = group.state;
      group.state = state;
      out.push({
        type: "Notify",
        kind: "GROUP",
        name: group.name,
        from,
        to: state,
        priority: group.members[0]!.priority,
        reason: `all members ${state}`,
      });
    }
  }
}

/**
 * keepalived's "(VI_1) Changing effective priority from 100 to 90", with the tracker that caused it. Only on a
 * tracker change, never per advert.
 */
function priorityChangeLog(router: Router, from: number, tracker: string, up: boolean, value: number): LogEffect {
  const cause = tracker.startsWith("file:") ? `${tracker} is ${value}` : `${tracker} is ${up ? "up" : "down"}`;
  return {
    type: "Log",
    level: "info",
    instance: router.name,
    message: `(${router.name}) Changing effective priority from ${from} to ${router.priority} (${cause})`,
  };
}
