// A simulated LAN of hosts running the real protocol core (VrrpNode) on a fake clock. Adverts are encoded and
// decoded with the real codec, carried with a seeded delay and loss, and cut by partitions. The world also keeps
// an independent record (deliveries, tracker states) that the oracle checks every state change against.

import { DEFAULT_GARP, type InstanceConfig } from "../../src/vrrp/instance-config.ts";
import type { Effect, VrrpState } from "../../src/vrrp/effects.ts";
import { compareAddressBytes, parseIp } from "../../src/vrrp/ip-address.ts";
import { VrrpNode } from "../../src/vrrp/node.ts";
import { masterDownIntervalMs, skewTimeMs } from "../../src/vrrp/timing.ts";
import type { TrackerConfig } from "../../src/vrrp/tracking.ts";
import { EventQueue } from "./event-queue.ts";
import type { Prng } from "./prng.ts";

export interface HostSpec {
  name: string;
  address: string;
  priority: number;
  preempt: boolean;
  preemptDelayMs: number;
  /** One tracker per host: weight 0 means FAULT when down, a negative weight lowers the priority. */
  trackerWeight: number;
}

export interface WorldSpec {
  version: 2 | 3;
  intervalCs: number;
  vrids: number[];
  syncGroup: boolean;
  hosts: HostSpec[];
  minDelayMs: number;
  maxDelayMs: number;
}

export interface Transition {
  at: number;
  host: string;
  instance: string;
  from: VrrpState;
  to: VrrpState;
  reason: string;
}

export const TRACKER = "script:chk";
const MCAST = parseIp("224.0.0.18")!;
const EPSILON_MS = 1e-6;

/** What the oracle knows about one instance of one host, kept apart from the router's own state. */
interface InstanceRecord {
  /** The earliest time a takeover from BACKUP is allowed: the last holding advert + MDI, or priority 0 + skew. */
  mayTakeOverAt: number;
}

export class SimHost {
  node: VrrpNode | null = null;
  running = false;
  component = 0;
  trackerUp = true;
  readonly address: Uint8Array;
  readonly vipsHeld = new Set<string>();
  readonly records = new Map<string, InstanceRecord>();
  /** The advert being handled right now, for checking a MASTER → BACKUP step against it. */
  delivering: { instance: string; priority: number; src: Uint8Array } | null = null;

  constructor(
    readonly spec: HostSpec,
    readonly world: World,
  ) {
    this.address = parseIp(spec.address)!;
  }

  get name(): string {
    return this.spec.name;
  }

  instanceConfigs(): InstanceConfig[] {
    const w = this.world.spec;
    const trackers: TrackerConfig[] = [{ name: TRACKER, kind: "status", weight: this.spec.trackerWeight, reverse: false }];
    return w.vrids.map((vrid) => ({
      name: `VI_${vrid}`,
      interface: "eth0",
      family: 4 as const,
      version: w.version,
      vrid,
      priority: this.spec.priority,
      advertIntervalCs: w.intervalCs,
      preempt: this.spec.preempt,
      preemptDelayMs: this.spec.preemptDelayMs,
      advertAddresses: [parseIp(`203.0.113.${vrid}`)!],
      authType: 0 as const,
      authData: new Uint8Array(8),
      checksumAsV2: false,
      skipCheckAdvertAddresses: false,
      primaryAddress: this.address,
      multicastGroup: parseIp("224.0.0.18")!,
      unicastPeers: [],
      checkUnicastSource: true,
      unicastPeerTtl: [],
      trackers,
      garp: DEFAULT_GARP,
      lowerPrioNoAdvert: false,
      higherPrioSendAdvert: true,
      downTimerAdverts: 3,
    }));
  }

  state(instance: string): VrrpState | "DOWN" {
    if (!this.running || !this.node) return "DOWN";
    return this.node.router(instance)!.notifyState;
  }

  priority(instance: string): number {
    return this.node?.router(instance)?.priority ?? 0;
  }
}

export class World {
  now = 0;
  lossRate = 0;
  readonly hosts: SimHost[];
  readonly transitions: Transition[] = [];
  readonly violations: string[] = [];
  readonly trace: string[] = [];
  private readonly queue = new EventQueue();
  private readonly out: Effect[] = [];
  private readonly lastArrival = new Map<string, number>();

  constructor(
    readonly spec: WorldSpec,
    private readonly random: Prng,
    private readonly tracing = false,
  ) {
    this.hosts = spec.hosts.map((h) => new SimHost(h, this));
  }

  get instanceNames(): string[] {
    return this.spec.vrids.map((v) => `VI_${v}`);
  }

  host(name: string): SimHost {
    return this.hosts.find((h) => h.name === name)!;
  }

  at(time: number, action: () => void): void {
    this.queue.push(time, action);
  }

  /** Runs the world until `until`, firing queued events and the hosts' deadlines in time order. */
  runUntil(until: number): void {
    for (let guard = 0; guard < 5_000_000; guard++) {
      let nextTimer = Infinity;
      let timerHost: SimHost | null = null;
      for (const host of this.hosts) {
        if (!host.running || !host.node) continue;
        const deadline = host.node.nextDeadline();
        if (deadline < nextTimer) {
          nextTimer = deadline;
          timerHost = host;
        }
      }
      const nextEvent = this.queue.peekTime();
      const next = Math.min(nextTimer, nextEvent);
      if (next > until) break;
      this.now = Math.max(this.now, next);
      if (nextEvent <= nextTimer) this.queue.pop()!.run();
      else this.handle(timerHost!, { type: "TimerFired" });
    }
    this.now = Math.max(this.now, until);
  }

  start(host: SimHost): void {
    if (host.running) return;
    host.node = new VrrpNode({
      instances: host.instanceConfigs(),
      syncGroups: this.spec.syncGroup ? [{ name: "G", members: this.instanceNames }] : [],
    });
    host.running = true;
    host.vipsHeld.clear();
    if (!host.trackerUp) host.node.handle({ type: "TrackerChanged", tracker: TRACKER, up: false, value: 0 }, this.now, []);
    this.handle(host, { type: "Startup" });
  }

  /** A crash: the process is gone, nothing is sent, the addresses vanish with the host. */
  crash(host: SimHost): void {
    host.running = false;
    host.node = null;
    host.vipsHeld.clear();
    this.log(`${host.name} crashes`);
  }

  stop(host: SimHost, handover: boolean): void {
    if (!host.running) return;
    this.handle(host, { type: "Shutdown", handover });
  }

  setTracker(host: SimHost, up: boolean): void {
    host.trackerUp = up;
    if (host.running) this.handle(host, { type: "TrackerChanged", tracker: TRACKER, up, value: 0 });
  }

  /** Hosts in the same component hear each other; a partition splits them into two. */
  partition(groups: SimHost[][]): void {
    for (const [index, group] of groups.entries()) {
      for (const h of group) h.component = index;
    }
    this.log(`partition ${groups.map((g) => g.map((h) => h.name).join(",")).join(" | ")}`);
  }

  heal(): void {
    for (const h of this.hosts) h.component = 0;
    this.log("heal");
  }

  private handle(host: SimHost, event: Parameters<VrrpNode["handle"]>[0]): void {
    const node = host.node;
    if (!node) return;
    this.out.length = 0;
    node.handle(event, this.now, this.out);
    this.apply(host, this.out.slice());
    // A stopped node has nothing more to do.
    if (event.type === "Shutdown" && host.node && host.node.routers.every((r) => r.state === "STOP")) host.running = false;
  }

  private apply(host: SimHost, effects: Effect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "SendAdvert":
          this.send(host, effect.instance, effect.priority);
          break;
        case "AddVips":
          host.vipsHeld.add(effect.instance);
          break;
        case "DelVips":
          host.vipsHeld.delete(effect.instance);
          break;
        case "Notify":
          if (effect.kind === "INSTANCE") this.transition(host, effect.name, effect.from, effect.to, effect.reason);
          break;
        default:
          break;
      }
    }
    if (host.node?.routers.every((r) => r.state === "STOP")) host.running = false;
  }

  private send(host: SimHost, instance: string, priority: number): void {
    const router = host.node!.router(instance)!;
    const packet = new Uint8Array(64);
    const length = router.writeAdvert(packet, priority, host.address, MCAST);
    for (const peer of this.hosts) {
      if (peer === host || !peer.running || peer.component !== host.component) continue;
      if (this.lossRate > 0 && this.random.chance(this.lossRate)) continue;
      // A LAN delays but does not reorder what one host sends to another.
      const link = `${host.name}>${peer.name}`;
      const at = Math.max(this.now + this.random.uniform(this.spec.minDelayMs, this.spec.maxDelayMs), this.lastArrival.get(link) ?? 0);
      this.lastArrival.set(link, at);
      this.at(at, () => this.deliver(host, peer, instance, priority, packet, length));
    }
  }

  private deliver(from: SimHost, to: SimHost, instance: string, priority: number, packet: Uint8Array, length: number): void {
    // The partition is judged when the packet arrives as well: a cut link loses what is in flight.
    if (!to.running || !to.node || to.component !== from.component) return;
    const router = to.node.router(instance)!;
    if (router.state === "BACKUP") {
      const record = this.record(to, instance);
      const holding = priority > 0 && (priority >= router.priority || !router.config.preempt);
      // The RFC's Master_Down_Timer: reset by a holding advert, cut to skew time by priority 0.
      if (holding) record.mayTakeOverAt = this.now + masterDownIntervalMs(this.spec.version, router.priority, this.spec.intervalCs);
      else if (priority === 0) record.mayTakeOverAt = this.now + skewTimeMs(this.spec.version, router.priority, this.spec.intervalCs);
    }
    to.delivering = { instance, priority, src: from.address };
    this.handle(to, {
      type: "AdvertReceived",
      interface: "eth0",
      family: 4,
      packet,
      offset: 0,
      length,
      src: from.address,
      dst: MCAST,
      ttl: 255,
    });
    to.delivering = null;
  }

  private record(host: SimHost, instance: string): InstanceRecord {
    let record = host.records.get(instance);
    if (!record) {
      record = { mayTakeOverAt: 0 };
      host.records.set(instance, record);
    }
    return record;
  }

  /** Every state change is checked for a cause the world can see. */
  private transition(host: SimHost, instance: string, from: VrrpState, to: VrrpState, reason: string): void {
    this.transitions.push({ at: this.now, host: host.name, instance, from, to, reason });
    this.log(`${host.name} ${instance} ${from} -> ${to} (${reason}) prio ${host.priority(instance)}`);
    const fail = (why: string) =>
      this.violations.push(`t=${this.now.toFixed(3)} ${host.name} ${instance} ${from}->${to} (${reason}): ${why}`);
    const record = this.record(host, instance);
    const bySyncGroup = reason.startsWith("sync group");
    const faultNow = !host.trackerUp && host.spec.trackerWeight === 0;

    if (to === "FAULT" && !faultNow && !bySyncGroup) fail("FAULT without a failed weight-0 tracker");
    if (from === "FAULT" && to !== "STOP" && faultNow) fail("left FAULT while its tracker is still down");
    if (from === "BACKUP" && to === "MASTER" && !bySyncGroup && this.now < record.mayTakeOverAt - EPSILON_MS) {
      fail(`took over ${(record.mayTakeOverAt - this.now).toFixed(3)} ms before its Master_Down_Timer allowed`);
    }
    if (from === "MASTER" && to === "BACKUP" && !bySyncGroup) {
      const d = host.delivering;
      const own = host.priority(instance);
      const wins =
        d !== null &&
        d.instance === instance &&
        (d.priority > own || (d.priority === own && compareAddressBytes(d.src, 0, host.address, 0, 4) > 0));
      if (!wins) fail("left MASTER without hearing a better advert");
    }
    if (to === "STOP" && !reason.includes("shutdown") && !reason.includes("handover")) fail("STOP without a shutdown");
    if (to === "BACKUP") {
      // The timer starts now: a takeover needs a full Master_Down_Interval of silence from here.
      record.mayTakeOverAt = this.now + masterDownIntervalMs(this.spec.version, host.priority(instance), this.spec.intervalCs);
    }
    if (to === "MASTER" && host.state(instance) !== "MASTER") fail("Notify disagrees with the router's state");
  }

  log(line: string): void {
    if (this.tracing) this.trace.push(`${this.now.toFixed(3).padStart(12)}  ${line}`);
  }
}
