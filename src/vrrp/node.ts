// All VRRP instances of one daemon, and the sync groups that tie some of them together. The driver feeds every
// event here with the current time and carries out the effects; nextDeadline() says when to call back.

import { AdvertDecoder } from "./advert.ts";
import type { Effect, VrrpState } from "./effects.ts";
import type { AdvertReceivedEvent, VrrpEvent } from "./events.ts";
import type { InstanceConfig } from "./instance-config.ts";
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

export class VrrpNode {
  readonly routers: readonly Router[];
  readonly groups: readonly SyncGroup[];
  /** Rejects that could not be attributed to an instance (unknown VRID, too short to carry one). */
  readonly rejects: RejectCounters = newRejectCounters();
  private readonly byName = new Map<string, Router>();
  private readonly byInterface = new Map<string, InterfaceRouters>();
  private readonly groupOf = new Map<Router, SyncGroup>();
  private readonly trackerUses = new Map<string, TrackerUse[]>();
  private readonly decoder = new AdvertDecoder();

  constructor(config: NodeConfig) {
    const routers: Router[] = [];
    for (const instance of config.instances) {
      if (this.byName.has(instance.name)) throw new Error(`duplicate instance name ${instance.name}`);
      const router = new Router(instance);
      routers.push(router);
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
    }
    this.routers = routers;
    const groups: SyncGroup[] = [];
    for (const groupConfig of config.syncGroups) {
      const members = groupConfig.members.map((name) => {
        const router = this.byName.get(name);
        if (!router) throw new Error(`sync group ${groupConfig.name}: no instance ${name}`);
        if (this.groupOf.has(router)) throw new Error(`instance ${name} is in two sync groups`);
        return router;
      });
      const group = new SyncGroup(groupConfig.name, members);
      for (const member of members) this.groupOf.set(member, group);
      groups.push(group);
    }
    this.groups = groups;
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
        for (const group of this.groups) this.settleGroupFaults(group);
        for (const router of this.routers) {
          const before = router.state;
          router.startup(nowMs, out);
          this.followed(router, before, nowMs, out);
        }
        break;
      case "Shutdown":
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
    }
    this.notifyGroups(out);
  }

  private advertReceived(event: AdvertReceivedEvent, nowMs: number, out: Effect[]): void {
    const result = this.decoder.decode(event.packet, event.offset, event.length, event.family, event.src, event.dst, event.ttl);
    const slots = this.byInterface.get(event.interface);
    const table = slots ? (event.family === 4 ? slots.v4 : slots.v6) : undefined;
    if (!result.ok) {
      // Attribute the reject to the instance its VRID byte names, when there is one, so status shows it there.
      const vrid = event.length >= 2 ? event.packet[event.offset + 1]! : -1;
      const router = vrid >= 0 ? table?.[vrid] : undefined;
      if (router) router.countReject(result.reason, null, nowMs, out);
      else this.rejects[result.reason]++;
      return;
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
      use.router.updateTracker(use.index, up, value);
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
    const faulty = group.members.find((member) => member.ownFault !== null);
    for (const member of group.members) {
      member.setGroupFault(faulty && faulty !== member ? `sync group ${group.name}: ${faulty.name} is in FAULT` : null);
    }
  }

  /** After a router's own step: if it changed state, moves the rest of its sync group along. */
  private followed(router: Router, before: VrrpState, nowMs: number, out: Effect[]): void {
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
      const state = group.members[0]?.state;
      if (!state || state === group.state) continue;
      if (!group.members.every((member) => member.state === state)) continue;
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
