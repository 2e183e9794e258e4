// The driver: owns the clock, the one timer and the sockets; feeds events to the protocol core and carries out
// the effects it returns (ARCHITECTURE §1). It makes no protocol decision of its own.

import type { AddressManager, AddressSpec, LinkEvent, RouteSpec, RuleSpec } from "../adapters/address-manager.ts";
import type { Announcement, NeighbourAnnouncer } from "../adapters/neighbour-announcer.ts";
import type { ReceivedPacket, VrrpTransport, VrrpTransportFactory } from "../adapters/vrrp-transport.ts";
import { type AlarmFactory, timersAlarm } from "../clock/alarm.ts";
import type { Timers } from "../clock/timers.ts";
import type { NotifyKind, NotifyScripts, NotifyState } from "../notify/notify-plan.ts";
import type { Effect } from "../vrrp/effects.ts";
import type { AdvertReceivedEvent, VrrpEvent } from "../vrrp/events.ts";
import { type IpFamily, sameAddress } from "../vrrp/ip-address.ts";
import { instanceKey, type NodeConfig, type ReconfigureSummary, type VrrpNode } from "../vrrp/node.ts";
import type { Router } from "../vrrp/router.ts";
import type { Log, LogFactory } from "./log.ts";
import { Scheduler } from "./scheduler.ts";

/** Everything the driver needs to know about one instance beyond the core's InstanceConfig. */
export interface InstancePlan {
  name: string;
  ifname: string;
  family: IpFamily;
  /** Where adverts go: the multicast group, or every unicast peer. */
  destinations: Uint8Array[];
  /** Source address when configured (mcast_src_ip / unicast_src_ip); else the transport's default. */
  source?: Uint8Array;
  group?: Uint8Array;
  /** VIPs and excluded addresses, added on MASTER and removed on leaving it. */
  addresses: AddressSpec[];
  /** Addresses to announce with gratuitous ARP / unsolicited NA, per interface. */
  announce: { ifname: string; addresses: Uint8Array[] }[];
  announceIntervalMs: number;
  routes: RouteSpec[];
  rules: RuleSpec[];
  notify: NotifyScripts;
}

export interface NotifySink {
  notify(kind: NotifyKind, name: string, state: NotifyState, priority: number, scripts: NotifyScripts): void;
}

export interface DriverDeps {
  node: VrrpNode;
  instances: InstancePlan[];
  groupNotify: Map<string, NotifyScripts>;
  transports: VrrpTransportFactory;
  addresses: AddressManager;
  announcer: NeighbourAnnouncer;
  notifier: NotifySink;
  logs: LogFactory;
  timers: Timers;
  /** The scheduler's alarm; by default one over `timers`. */
  alarms?: AlarmFactory;
}

interface Bound {
  plan: InstancePlan;
  router: Router;
  transport: VrrpTransport;
  log: Log;
  /** plan.announce, built ahead (one per interface). */
  announcements: { ifname: string; announcement: Announcement }[];
}

export class Driver {
  readonly scheduler: Scheduler;
  private bound = new Map<string, Bound>();
  private readonly transports = new Map<string, VrrpTransport>();
  private readonly out: Effect[] = [];
  private readonly log: Log;
  // Reused for every received packet: the receive path allocates nothing.
  private readonly advertEvent: AdvertReceivedEvent = {
    type: "AdvertReceived",
    interface: "",
    family: 4,
    packet: new Uint8Array(0),
    offset: 0,
    length: 0,
    src: new Uint8Array(4),
    dst: new Uint8Array(4),
    ttl: 0,
  };
  private readonly sendBuffer = new Uint8Array(1500);
  private started = false;

  constructor(private readonly deps: DriverDeps) {
    this.log = deps.logs("vrrp");
    this.scheduler = new Scheduler(deps.timers, deps.alarms ?? timersAlarm(deps.timers), () => this.dispatch({ type: "TimerFired" }));
  }

  /** Opens one transport per interface and family, then starts the instances. */
  start(): void {
    this.bound = this.bind(this.deps.instances);
    this.started = true;
    this.dispatch({ type: "Startup" });
  }

  /**
   * A reload (SIGHUP). Kept instances keep their state; for those that are MASTER, addresses, routes and rules
   * they gain are added before the switch and those they lose are removed after it, so an address in both the
   * old and the new config is never removed, not even for an instant. Throws, changing nothing, when the core
   * refuses the new config.
   */
  reload(plans: InstancePlan[], config: NodeConfig, groupNotify: Map<string, NotifyScripts>): ReconfigureSummary {
    const oldBound = this.bound;
    const keyOf = new Map(config.instances.map((c) => [c.name, instanceKey(c)]));
    const oldByKey = new Map([...oldBound.values()].map((b) => [instanceKey(b.router.config), b]));
    const keptMasters = plans.flatMap((plan) => {
      const old = oldByKey.get(keyOf.get(plan.name)!);
      return old && old.router.state === "MASTER" ? [{ plan, old }] : [];
    });
    for (const { plan, old } of keptMasters) this.claim(minus(plan, old.plan), old.log);

    this.out.length = 0;
    let summary: ReconfigureSummary;
    try {
      summary = this.deps.node.reconfigure(config, this.deps.timers.now(), this.out);
    } catch (error) {
      for (const { plan, old } of keptMasters) this.release(minus(plan, old.plan), old.log);
      throw error;
    }
    const next = this.bind(plans);
    // The core's effects may name removed instances (their release) as well as new names: bind both meanwhile.
    this.bound = new Map([...[...oldBound].filter(([name]) => summary.removed.includes(name)), ...next]);
    this.deps.groupNotify = groupNotify;
    for (let i = 0; i < this.out.length; i++) this.apply(this.out[i]!);
    this.out.length = 0;
    for (const { plan, old } of keptMasters) this.release(minus(old.plan, plan), old.log);
    this.bound = next;
    this.closeUnusedTransports();
    this.scheduler.arm(this.deps.node.nextDeadline());
    return summary;
  }

  /** Binds plans to core routers and transports (opening the transports that are missing). */
  private bind(plans: InstancePlan[]): Map<string, Bound> {
    const bound = new Map<string, Bound>();
    for (const plan of plans) {
      const key = `${plan.ifname}|${plan.family}`;
      let transport = this.transports.get(key);
      if (!transport) {
        const ifname = plan.ifname;
        transport = this.deps.transports.open({ ifname, family: plan.family, group: plan.group, source: plan.source }, (packet) =>
          this.onPacket(ifname, packet),
        );
        this.transports.set(key, transport);
      }
      const router = this.deps.node.router(plan.name);
      if (!router) throw new Error(`no instance ${plan.name} in the core`);
      const announcements = plan.announce.map((t) => ({
        ifname: t.ifname,
        announcement: this.deps.announcer.prepare(t.ifname, t.addresses),
      }));
      bound.set(plan.name, { plan, router, transport, log: this.deps.logs(`vrrp:${plan.name}`), announcements });
    }
    return bound;
  }

  /** The interface is gone and its sockets with it (they would stay silent): close them; a reload reopens. */
  dropTransports(ifname: string): void {
    for (const [key, transport] of this.transports) {
      if (transport.ifname !== ifname) continue;
      this.transports.delete(key);
      void transport.close().catch(() => undefined);
      this.log.info(`interface ${ifname} is gone: its VRRP sockets are closed until it returns`);
    }
  }

  /** True when an instance on `ifname` has no open transport (after dropTransports). */
  lacksTransport(ifname: string): boolean {
    return [...this.bound.values()].some((b) => b.plan.ifname === ifname && ![...this.transports.values()].includes(b.transport));
  }

  private closeUnusedTransports(): void {
    const used = new Set([...this.bound.values()].map((b) => b.transport));
    for (const [key, transport] of this.transports) {
      if (used.has(transport)) continue;
      this.transports.delete(key);
      void transport.close();
    }
  }

  /** Feeds one event to the core, carries out its effects and re-arms the timer. */
  dispatch(event: VrrpEvent): void {
    this.out.length = 0;
    this.deps.node.handle(event, this.deps.timers.now(), this.out);
    for (let i = 0; i < this.out.length; i++) this.apply(this.out[i]!);
    this.out.length = 0;
    this.scheduler.arm(this.deps.node.nextDeadline());
  }

  trackerChanged(tracker: string, up: boolean, value = 0): void {
    this.dispatch({ type: "TrackerChanged", tracker, up, value });
  }

  /** Link and address events: link state feeds `interface:NAME` trackers; a VIP removed behind our back returns. */
  onLinkEvent(event: LinkEvent, ifnameOf: (ifindex: number) => string | undefined): void {
    if (event.type === "link") {
      this.refreshAnnouncements(event.link.name);
      this.trackerChanged(`interface:${event.link.name}`, event.link.up && event.link.carrier);
    } else if (event.type === "link-removed") {
      this.refreshAnnouncements(event.name);
      this.trackerChanged(`interface:${event.name}`, false);
    } else if (event.type === "address-removed") {
      for (const { plan, router, log } of this.bound.values()) {
        if (router.state !== "MASTER") continue;
        const spec = plan.addresses.find(
          (a) =>
            a.ifindex === event.address.ifindex &&
            a.address.length === event.address.address.length &&
            sameAddress(a.address, 0, event.address.address, 0, a.address.length),
        );
        if (!spec) continue;
        log.warn(
          `VIP ${formatSpec(spec)} on ${ifnameOf(spec.ifindex) ?? spec.ifindex} was removed by someone else while MASTER; restoring it`,
        );
        this.addAddress(spec, log);
      }
    } else if (event.type === "resync") {
      // Events were lost (the kernel's ENOBUFS): take every link's state afresh and check each MASTER's VIPs.
      this.log.warn("netlink events were lost; resynchronising link states and VIPs from a full dump");
      for (const link of event.links) {
        this.refreshAnnouncements(link.name);
        this.trackerChanged(`interface:${link.name}`, link.up && link.carrier);
      }
      for (const { plan, router, log } of this.bound.values()) {
        if (router.state !== "MASTER") continue;
        for (const spec of plan.addresses) {
          const present = event.addresses.some(
            (a) =>
              a.ifindex === spec.ifindex &&
              a.address.length === spec.address.length &&
              sameAddress(a.address, 0, spec.address, 0, spec.address.length),
          );
          if (present) continue;
          log.warn(
            `VIP ${formatSpec(spec)} on ${ifnameOf(spec.ifindex) ?? spec.ifindex} went missing while events were lost; restoring it`,
          );
          this.addAddress(spec, log);
        }
      }
    }
  }

  /** A link's hardware address or index may have changed: rebuild the frames that announce VIPs on it. */
  private refreshAnnouncements(ifname: string): void {
    for (const b of this.bound.values()) {
      for (const a of b.announcements) if (a.ifname === ifname) a.announcement.refresh();
    }
  }

  /** Shuts every instance down; resolves when no instance holds VIPs any more (handover is bounded by the core). */
  async stop(handover: boolean, maxWaitMs: number): Promise<void> {
    if (!this.started) return;
    this.dispatch({ type: "Shutdown", handover });
    const deadline = this.deps.timers.now() + maxWaitMs;
    while ([...this.bound.values()].some((b) => b.router.state !== "STOP") && this.deps.timers.now() < deadline) {
      await new Promise<void>((resolve) => this.deps.timers.setTimeout(resolve, 5));
    }
    // Whatever the core did, nothing may be left behind.
    for (const { plan, router, log } of this.bound.values()) {
      if (router.state !== "STOP") this.release(plan, log);
    }
    await this.scheduler.close();
    for (const transport of this.transports.values()) await transport.close();
    this.started = false;
  }

  transportStats() {
    return [...this.transports.values()].map((t) => ({ ifname: t.ifname, family: t.family, ...t.stats }));
  }

  private onPacket(ifname: string, packet: ReceivedPacket): void {
    const event = this.advertEvent;
    event.interface = ifname;
    event.family = packet.family;
    event.packet = packet.packet;
    event.offset = packet.offset;
    event.length = packet.length;
    event.src = packet.src;
    event.dst = packet.dst;
    event.ttl = packet.ttl;
    this.dispatch(event);
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case "SendAdvert":
        this.sendAdvert(effect.instance, effect.priority);
        return;
      case "AddVips": {
        const b = this.bound.get(effect.instance);
        if (b) this.claim(b.plan, b.log);
        return;
      }
      case "DelVips": {
        const b = this.bound.get(effect.instance);
        if (b) this.release(b.plan, b.log);
        return;
      }
      case "SendGratuitous": {
        const b = this.bound.get(effect.instance);
        if (b) this.announce(b, effect.repeat);
        return;
      }
      case "Notify": {
        const log = effect.kind === "INSTANCE" ? (this.bound.get(effect.name)?.log ?? this.log) : this.deps.logs(`group:${effect.name}`);
        log.info(`${effect.from} -> ${effect.to} (${effect.reason}), priority ${effect.priority}`);
        if (effect.to === "INIT") return;
        const scripts = effect.kind === "INSTANCE" ? this.bound.get(effect.name)?.plan.notify : this.deps.groupNotify.get(effect.name);
        this.deps.notifier.notify(effect.kind, effect.name, effect.to, effect.priority, scripts ?? {});
        return;
      }
      case "Log": {
        const log = this.bound.get(effect.instance)?.log ?? this.log;
        log[effect.level](effect.message);
        return;
      }
    }
  }

  private sendAdvert(instance: string, priority: number): void {
    const b = this.bound.get(instance);
    if (!b) return;
    for (const dst of b.plan.destinations) {
      const length = b.router.writeAdvert(this.sendBuffer, priority, b.transport.source, dst);
      try {
        b.transport.send(this.sendBuffer, length, dst);
      } catch (error) {
        // A send can fail while the link is down; the core learns about the link from its tracker.
        b.log.debug(`advert not sent: ${describe(error)}`);
      }
    }
  }

  private claim(plan: Pick<InstancePlan, "addresses" | "routes" | "rules">, log: Log): void {
    for (const spec of plan.addresses) this.addAddress(spec, log);
    for (const route of plan.routes)
      this.tryNetlink(
        () => this.deps.addresses.addRoute(route),
        ["EEXIST"],
        () => "add route",
        log,
      );
    for (const rule of plan.rules)
      this.tryNetlink(
        () => this.deps.addresses.addRule(rule),
        ["EEXIST"],
        () => "add rule",
        log,
      );
  }

  private release(plan: Pick<InstancePlan, "addresses" | "routes" | "rules">, log: Log): void {
    for (const rule of plan.rules)
      this.tryNetlink(
        () => this.deps.addresses.deleteRule(rule),
        ["ENOENT", "ESRCH"],
        () => "delete rule",
        log,
      );
    for (const route of plan.routes)
      this.tryNetlink(
        () => this.deps.addresses.deleteRoute(route),
        ["ESRCH", "ENOENT"],
        () => "delete route",
        log,
      );
    for (const spec of plan.addresses) {
      this.tryNetlink(
        () => this.deps.addresses.deleteAddress(spec),
        ["EADDRNOTAVAIL"],
        () => `delete ${formatSpec(spec)}`,
        log,
      );
    }
  }

  private addAddress(spec: AddressSpec, log: Log): void {
    this.tryNetlink(
      () => this.deps.addresses.addAddress(spec),
      ["EEXIST"],
      () => `add ${formatSpec(spec)}`,
      log,
    );
  }

  /**
   * Runs a netlink operation; the errno codes listed mean "already as wanted" and are not errors. `what` is
   * formatted only for an error: formatting every VIP on the takeover path cost 0.3 ms there.
   */
  private tryNetlink(operation: () => void, fine: string[], what: () => string, log: Log): void {
    try {
      operation();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== undefined && fine.includes(code)) return;
      log.error(`${what()} failed: ${describe(error)}`);
    }
  }

  private announce(b: Bound, repeat: number): void {
    for (const { ifname, announcement } of b.announcements) {
      announcement
        .send({ repeat, intervalMs: b.plan.announceIntervalMs })
        .catch((error) => b.log.warn(`gratuitous announcement on ${ifname} failed: ${describe(error)}`));
    }
  }
}

/** What `a` has that `b` has not: addresses by interface, address and prefix; routes and rules by content. */
function minus(a: InstancePlan, b: InstancePlan): Pick<InstancePlan, "addresses" | "routes" | "rules"> {
  const addressKey = (s: AddressSpec) => `${s.ifindex}|${s.address.join(".")}|${s.prefixlen}`;
  const contentKey = (x: RouteSpec | RuleSpec) => JSON.stringify(x, (_k, v: unknown) => (v instanceof Uint8Array ? [...v].join(".") : v));
  const inB = new Set(b.addresses.map(addressKey));
  const routesInB = new Set(b.routes.map(contentKey));
  const rulesInB = new Set(b.rules.map(contentKey));
  return {
    addresses: a.addresses.filter((s) => !inB.has(addressKey(s))),
    routes: a.routes.filter((r) => !routesInB.has(contentKey(r))),
    rules: a.rules.filter((r) => !rulesInB.has(contentKey(r))),
  };
}

function formatSpec(spec: AddressSpec): string {
  const bytes = spec.address;
  const text =
    bytes.length === 4
      ? [...bytes].join(".")
      : Array.from({ length: 8 }, (_, i) => ((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!).toString(16)).join(":");
  return `${text}/${spec.prefixlen}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
