// The driver: owns the clock, the one timer and the sockets; feeds events to the protocol core and carries out
// the effects it returns (ARCHITECTURE §1). It makes no protocol decision of its own.

import type { AddressManager, AddressSpec, LinkEvent } from "../adapters/address-manager.ts";
import type { Announcement, NeighbourAnnouncer } from "../adapters/neighbour-announcer.ts";
import type { NoAcceptFilter } from "../adapters/no-accept-filter.ts";
import type { ReceivedPacket, VrrpTransport, VrrpTransportFactory } from "../adapters/vrrp-transport.ts";
import { type AlarmFactory, timersAlarm } from "../clock/alarm.ts";
import type { Timers } from "../clock/timers.ts";
import { trackerName } from "../config/to-core.ts";
import type { NotifyKind, NotifyScripts, NotifyState } from "../notify/notify-plan.ts";
import { MAX_ADVERT_LENGTH } from "../vrrp/advert.ts";
import type { Effect } from "../vrrp/effects.ts";
import type { AdvertReceivedEvent, VrrpEvent } from "../vrrp/events.ts";
import { type IpFamily, sameAddress } from "../vrrp/ip-address.ts";
import type { NodeConfig, ReconfigureSummary, VrrpNode } from "../vrrp/node.ts";
import type { Router } from "../vrrp/router.ts";
import { AddressClaims, formatAddressSpec, holdingsMinus } from "./address-claims.ts";
import { describe, describeStack } from "./describe-error.ts";
import { LinkDebounce, type UpDownDelay } from "./link-debounce.ts";
import type { Log, LogFactory } from "./log.ts";
import { announceLine, stateLine, vipsLine } from "./log-wording.ts";
import type { InstancePlan } from "./plan.ts";
import { Scheduler } from "./scheduler.ts";
import { TransportPool } from "./transport-pool.ts";

export interface NotifySink {
  notify(kind: NotifyKind, name: string, state: NotifyState, priority: number, scripts: NotifyScripts): void;
}

/** E-mail alerts (src/notify/mailer.ts): told of every state change the scripts are told of. */
export interface StateMailer {
  stateChanged(kind: NotifyKind, name: string, state: NotifyState): void;
}

export interface DriverDeps {
  node: VrrpNode;
  instances: InstancePlan[];
  groupNotify: Map<string, NotifyScripts>;
  transports: VrrpTransportFactory;
  addresses: AddressManager;
  /** No-accept mode's filter; its table is installed by the daemon before any plan with `blocked` addresses runs. */
  noAccept: NoAcceptFilter;
  announcer: NeighbourAnnouncer;
  notifier: NotifySink;
  mailer?: StateMailer;
  logs: LogFactory;
  timers: Timers;
  /** The scheduler's alarm; by default one over `timers`. */
  alarms?: AlarmFactory;
  /**
   * The core itself threw: its state can no longer be trusted, so the daemon must stop (priority 0, VIPs
   * released) and exit non-zero for the supervisor to restart it. Default: rethrow.
   */
  onFatal?: (error: unknown) => void;
}

interface Bound {
  plan: InstancePlan;
  router: Router;
  /** null while it cannot be opened (the instance is then FAULT through its socket tracker). */
  transport: VrrpTransport | null;
  log: Log;
  /** plan.announce, built ahead (one per interface). */
  announcements: { ifname: string; addresses: readonly Uint8Array[]; announcement: Announcement; intervalMs: number }[];
}

export class Driver {
  readonly scheduler: Scheduler;
  private bound = new Map<string, Bound>();
  private readonly transports: TransportPool;
  private readonly claims: AddressClaims;
  private readonly links: LinkDebounce;
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
    drop: null,
    ipProtocol: 0,
    ipOffset: -1,
  };
  /** Room for any advert: on a jumbo-frame link 255 IPv6 VIPs fit one. */
  private readonly sendBuffer = new Uint8Array(MAX_ADVERT_LENGTH);
  private started = false;
  /** Resolves stop()'s wait when the core says every instance has stopped. */
  private onStopped: (() => void) | null = null;
  /** Instances whose effects threw while the current event's effects were carried out: FAULT them next. */
  private readonly failed: { instance: string; reason: string }[] = [];
  private fatal = false;

  constructor(private readonly deps: DriverDeps) {
    this.log = deps.logs("vrrp");
    this.transports = new TransportPool(deps.transports, this.log);
    this.claims = new AddressClaims(deps.addresses, deps.noAccept);
    this.scheduler = new Scheduler(deps.timers, deps.alarms ?? timersAlarm(deps.timers), () => this.dispatch({ type: "TimerFired" }));
    this.links = new LinkDebounce(
      deps.timers,
      (ifname, up) => this.trackerChanged(trackerName.interface(ifname), up),
      (message) => this.log.info(message),
    );
  }

  /** interface_up_down_delays, at start and on every reload. */
  setLinkDelays(delays: ReadonlyMap<string, UpDownDelay>): void {
    this.links.setDelays(delays);
  }

  /** An interface's state as the kernel reports it: to its `interface:NAME` tracker, after its delay if it has one. */
  linkStateChanged(ifname: string, up: boolean): void {
    this.links.report(ifname, up);
  }

  /** Opens one transport per interface and family, then starts the instances. */
  start(): void {
    this.bound = this.bind(this.deps.instances);
    this.started = true;
    // Before Startup, so that an instance without a socket starts in FAULT rather than as BACKUP.
    this.reportSockets();
    this.dispatch({ type: "Startup" });
  }

  /**
   * A reload (SIGHUP). Kept instances keep their state; for those that are MASTER, addresses, routes and rules
   * they gain are added before the switch and those they lose are removed after it, so an address in both the
   * old and the new config is never removed, not even for an instant. Throws, changing nothing, when the core
   * refuses the new config.
   */
  /** A deadline that is due but whose alarm is still unread runs now (see Scheduler.catchUp). */
  catchUpTimers(): void {
    this.scheduler.catchUp();
  }

  reload(plans: InstancePlan[], config: NodeConfig, groupNotify: Map<string, NotifyScripts>): ReconfigureSummary {
    const oldBound = this.bound;
    const boundByRouter = new Map([...oldBound.values()].map((b) => [b.router, b]));
    const kept = this.deps.node.keptRouters(config);
    const keptMasters = plans.flatMap((plan) => {
      const old = boundByRouter.get(kept.get(plan.name)!);
      return old && old.router.state === "MASTER" ? [{ plan, old }] : [];
    });
    for (const { plan, old } of keptMasters) this.claims.claim(holdingsMinus(plan, old.plan), old.log);

    this.out.length = 0;
    let summary: ReconfigureSummary;
    try {
      summary = this.deps.node.reconfigure(config, this.deps.timers.now(), this.out);
    } catch (error) {
      for (const { plan, old } of keptMasters) this.claims.release(holdingsMinus(plan, old.plan), old.log);
      throw error;
    }
    const next = this.bind(plans);
    // The core's effects may name removed instances (their release) as well as new names: bind both meanwhile.
    this.bound = new Map([...[...oldBound].filter(([name]) => summary.removed.includes(name)), ...next]);
    this.deps.groupNotify = groupNotify;
    this.applyAll();
    for (const { plan, old } of keptMasters) this.claims.release(holdingsMinus(old.plan, plan), old.log);
    this.bound = next;
    this.transports.closeUnused(new Set([...this.bound.values()].flatMap((b) => (b.transport ? [b.transport] : []))));
    this.reportSockets();
    this.scheduler.arm(this.deps.node.nextDeadline());
    this.failPending();
    return summary;
  }

  /**
   * Binds plans to core routers and transports, opening the transports that are missing. A transport that cannot
   * be opened is logged and left out: its instances are FAULT (reportSockets) until a refresh opens it.
   */
  private bind(plans: InstancePlan[]): Map<string, Bound> {
    const bound = new Map<string, Bound>();
    for (const plan of plans) {
      const ifname = plan.ifname;
      const log = this.deps.logs(`vrrp:${plan.name}`);
      let transport: VrrpTransport | null = null;
      try {
        const family = plan.family;
        transport = this.transports.get(
          {
            ifname,
            family,
            group: plan.group,
            source: plan.source,
            ipsecAh: plan.ipsecAh,
            onHealth: (receiving, reason) => this.socketHealth(ifname, family, receiving, reason),
          },
          (packet) => this.onPacket(ifname, packet),
        );
      } catch (error) {
        log.error(`cannot open the VRRP socket on ${ifname} (IPv${plan.family}): ${describe(error)}; FAULT until it can be opened`);
      }
      const router = this.deps.node.router(plan.name);
      if (!router) throw new Error(`no instance ${plan.name} in the core`);
      const announcements = plan.announce.map((t) => ({
        ifname: t.ifname,
        addresses: t.addresses,
        announcement: this.deps.announcer.prepare(t.ifname, t.addresses),
        intervalMs: t.intervalMs ?? plan.announceIntervalMs,
      }));
      bound.set(plan.name, { plan, router, transport, log, announcements });
    }
    return bound;
  }

  /**
   * A socket stopped receiving (its stream ended: a link flap, ENETDOWN) or works again: said in the log, and its
   * instances are FAULT meanwhile, since an instance that cannot hear its peers must not stay or become MASTER.
   * Told from the socket's own callbacks: fed to the core as an event of its own, never inside another one.
   */
  private socketHealth(ifname: string, family: IpFamily, receiving: boolean, reason: string): void {
    if (receiving) this.log.info(reason);
    else this.log.warn(reason);
    queueMicrotask(() => {
      if (this.started) this.trackerChanged(trackerName.socket(ifname, family), receiving);
    });
  }

  /** Tells the core which instances have a socket to speak through (trackerName.socket): none, no MASTER. */
  private reportSockets(): void {
    const seen = new Set<string>();
    for (const b of this.bound.values()) {
      const name = trackerName.socket(b.plan.ifname, b.plan.family);
      if (seen.has(name)) continue;
      seen.add(name);
      this.trackerChanged(name, b.transport !== null && this.transports.has(b.transport) && b.transport.receiving);
    }
  }

  /**
   * The interface is gone and its sockets with it (they would stay silent): close them, and the instances on it
   * are FAULT until a refresh opens new ones (not merely until the link is back).
   */
  dropTransports(ifname: string): void {
    this.transports.dropInterface(ifname);
    for (const b of this.bound.values()) {
      if (b.plan.ifname === ifname) b.transport = null;
    }
    this.reportSockets();
  }

  /** True when an instance on `ifname` has no open transport (after dropTransports, or a failed open). */
  lacksTransport(ifname: string): boolean {
    return [...this.bound.values()].some((b) => b.plan.ifname === ifname && (b.transport === null || !this.transports.has(b.transport)));
  }

  /**
   * Feeds one event to the core, carries out its effects and re-arms the timer. Nothing thrown here may stop the
   * scheduler or the other instances: each effect is carried out on its own, an instance whose effect threw goes
   * to FAULT with the reason, and the timer is re-armed whatever happened.
   */
  dispatch(event: VrrpEvent): void {
    if (this.fatal) return;
    this.out.length = 0;
    try {
      this.deps.node.handle(event, this.deps.timers.now(), this.out);
      this.applyAll();
    } catch (error) {
      this.fatal = true;
      this.out.length = 0;
      this.log.error(`internal error in the protocol core handling ${event.type}: ${describeStack(error)}`);
      if (!this.deps.onFatal) throw error;
      this.deps.onFatal(error);
      return;
    } finally {
      if (!this.fatal) this.scheduler.arm(this.deps.node.nextDeadline());
    }
    this.failPending();
  }

  /** FAULTs the instances whose effects threw (each once per event: a failing FAULT entry cannot loop). */
  private failPending(): void {
    const failures = this.failed.splice(0);
    for (const { instance, reason } of failures) {
      if (this.deps.node.router(instance)?.driverFault) continue;
      this.dispatch({ type: "InstanceFailed", instance, reason });
    }
  }

  trackerChanged(tracker: string, up: boolean, value = 0): void {
    this.dispatch({ type: "TrackerChanged", tracker, up, value });
  }

  /** Link and address events: link state feeds `interface:NAME` trackers; a VIP removed behind our back returns. */
  onLinkEvent(event: LinkEvent, ifnameOf: (ifindex: number) => string | undefined): void {
    // Abandoned (or the core failed): the core still calls its instances MASTER, so the removal of our own VIPs
    // must not be taken for someone else's and undone.
    if (this.fatal) return;
    if (event.type === "link") {
      this.refreshAnnouncements(event.link.name);
      this.linkStateChanged(event.link.name, event.link.up && event.link.carrier);
    } else if (event.type === "link-removed") {
      this.refreshAnnouncements(event.name);
      this.links.removed(event.name);
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
          `VIP ${formatAddressSpec(spec)} on ${ifnameOf(spec.ifindex) ?? spec.ifindex} was removed by someone else while MASTER; restoring it`,
        );
        this.claims.restore(spec, log);
      }
    } else if (event.type === "resync") {
      // Events were lost (the kernel's ENOBUFS): take every link's state afresh and check each MASTER's VIPs.
      this.log.warn("netlink events were lost; resynchronising link states and VIPs from a full dump");
      for (const link of event.links) {
        this.refreshAnnouncements(link.name);
        this.linkStateChanged(link.name, link.up && link.carrier);
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
            `VIP ${formatAddressSpec(spec)} on ${ifnameOf(spec.ifindex) ?? spec.ifindex} went missing while events were lost; restoring it`,
          );
          this.claims.restore(spec, log);
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

  /**
   * Shuts every instance down and resolves when the core says all have stopped (a handover ends when the new
   * master speaks, bounded by the core), or after `maxWaitMs` at worst, releasing whatever is still held.
   */
  async stop(handover: boolean, maxWaitMs: number): Promise<void> {
    if (!this.started) return;
    let timer: unknown = null;
    const stopped = new Promise<void>((resolve) => {
      this.onStopped = resolve;
      timer = this.deps.timers.setTimeout(resolve, maxWaitMs);
    });
    this.dispatch({ type: "Shutdown", handover });
    await stopped;
    this.deps.timers.clearTimeout(timer);
    this.onStopped = null;
    // Whatever the core did, nothing may be left behind.
    for (const { plan, router, log } of this.bound.values()) {
      if (router.state === "STOP") continue;
      log.warn(`still ${router.state} ${maxWaitMs} ms after the shutdown began: releasing its addresses now`);
      this.claims.release(plan, log);
    }
    this.links.close();
    await this.scheduler.close();
    await this.transports.closeAll();
    this.started = false;
  }

  /**
   * The core can no longer be trusted (onFatal): without asking it, every instance that may hold VIPs sends
   * priority 0 so a backup takes over at once, and releases what it holds. The process is about to exit.
   */
  async abandon(): Promise<void> {
    this.fatal = true;
    for (const b of this.bound.values()) {
      if (b.router.state !== "MASTER" && b.router.state !== "STOPPING") continue;
      try {
        this.sendAdvert(b.plan.name, 0);
      } catch (error) {
        b.log.error(`priority 0 not sent: ${describe(error)}`);
      }
      this.claims.release(b.plan, b.log);
    }
    this.links.close();
    await this.scheduler.close();
    await this.transports.closeAll();
    this.started = false;
  }

  /** The addresses each instance holds as MASTER, by instance name. */
  instanceAddresses(): Map<string, AddressSpec[]> {
    return new Map([...this.bound].map(([name, b]) => [name, b.plan.addresses]));
  }

  transportStats() {
    return this.transports.stats();
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
    event.drop = packet.drop ?? null;
    event.ipProtocol = packet.ipProtocol;
    event.ipOffset = packet.ipOffset;
    this.dispatch(event);
  }

  private applyAll(): void {
    for (let i = 0; i < this.out.length; i++) {
      const effect = this.out[i]!;
      try {
        this.apply(effect);
      } catch (error) {
        const instance =
          "instance" in effect ? effect.instance : effect.type === "Notify" && effect.kind === "INSTANCE" ? effect.name : null;
        const what = `internal error carrying out ${effect.type}${instance ? ` for ${instance}` : ""}`;
        this.log.error(`${what}: ${describeStack(error)}`);
        if (instance) this.failed.push({ instance, reason: `${what}: ${describe(error)}` });
      }
    }
    this.out.length = 0;
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case "SendAdvert":
        this.sendAdvert(effect.instance, effect.priority);
        return;
      case "AddVips": {
        const b = this.bound.get(effect.instance);
        if (!b) return;
        this.claims.claim(b.plan, b.log);
        this.logVips(b, true);
        return;
      }
      case "DelVips": {
        const b = this.bound.get(effect.instance);
        if (!b) return;
        this.claims.release(b.plan, b.log);
        this.logVips(b, false);
        return;
      }
      case "SendGratuitous": {
        const b = this.bound.get(effect.instance);
        if (b) this.announce(b, effect.repeat, effect.extraInterfacesOnly);
        return;
      }
      case "Notify": {
        const log = effect.kind === "INSTANCE" ? (this.bound.get(effect.name)?.log ?? this.log) : this.deps.logs(`group:${effect.name}`);
        log.info(stateLine(effect.name, effect.from, effect.to, effect.reason, effect.priority));
        if (effect.to === "INIT") return;
        const scripts = effect.kind === "INSTANCE" ? this.bound.get(effect.name)?.plan.notify : this.deps.groupNotify.get(effect.name);
        this.deps.notifier.notify(effect.kind, effect.name, effect.to, effect.priority, scripts ?? {});
        this.deps.mailer?.stateChanged(effect.kind, effect.name, effect.to);
        return;
      }
      case "Log": {
        const log = this.bound.get(effect.instance)?.log ?? this.log;
        log[effect.level](effect.message);
        return;
      }
      case "Stopped":
        this.onStopped?.();
        return;
    }
  }

  private sendAdvert(instance: string, priority: number): void {
    const b = this.bound.get(instance);
    const transport = b?.transport;
    if (!b || !transport) return;
    const destinations = b.plan.destinations;
    for (let i = 0; i < destinations.length; i++) {
      const dst = destinations[i]!;
      // The copies for further unicast peers are the same advert (IPsec AH: the same sequence number).
      const length = b.router.writeAdvert(this.sendBuffer, priority, transport.source, dst, i > 0);
      try {
        transport.send(this.sendBuffer, length, dst, b.plan.ttl);
      } catch (error) {
        // A send can fail while the link is down; the core learns about the link from its tracker.
        b.log.debug(`advert not sent: ${describe(error)}`);
      }
    }
  }

  private announce(b: Bound, repeat: number, extraInterfacesOnly: boolean): void {
    for (const { ifname, announcement, addresses, intervalMs } of b.announcements) {
      if (extraInterfacesOnly && ifname === b.plan.ifname) continue;
      announcement.send({ repeat, intervalMs }).then(
        // Once the burst is out: formatting the addresses must not delay its first frame.
        (frames) => b.log.info(announceLine(b.plan.name, ifname, addresses, frames)),
        (error) => b.log.warn(`gratuitous announcement on ${ifname} failed: ${describe(error)}`),
      );
    }
  }

  /** Said after the takeover's sends (a microtask): formatting every VIP cost a cold takeover 0.3 ms. */
  private logVips(b: Bound, adding: boolean): void {
    if (b.plan.addresses.length === 0) return;
    queueMicrotask(() => b.log.info(vipsLine(b.plan.name, adding, b.plan.addresses)));
  }
}
