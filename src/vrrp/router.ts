// The state machine of one VRRP instance: RFC 5798 §6.4 (and RFC 3768 §6.4 for v2) plus the keepalived
// behaviours its users rely on (preempt_delay, answering a lower-priority master, priority 0 on shutdown,
// tracker weights, FAULT).
//
// Time is only what the caller passes in (`nowMs`); timers are absolute deadlines read through nextDeadline().
// `changeState` is the one place a state changes; it carries out the entry and exit actions of states.

import { type AdvertFields, encodeAdvert, type ReceivedAdvert } from "./advert.ts";
import { AUTH_AH, AUTH_PASS, VRRP_AUTH_DATA_LENGTH, VRRP_PRIO_OWNER, VRRP_PRIO_STOP } from "./constants.ts";
import type { Effect, RouterState, SendAdvertEffect, SendGratuitousEffect, VrrpState } from "./effects.ts";
import type { InstanceConfig } from "./instance-config.ts";
import { addressLength, compareAddressBytes, formatIp } from "./ip-address.ts";
import { ahSequenceNumber, IpsecAh } from "./ipsec-ah.ts";
import { newRejectCounters, type RejectCounters, type RejectReason } from "./reject-reason.ts";
import { masterDownIntervalMs, skewTimeMs } from "./timing.ts";
import { type EffectivePriority, effectivePriority, type TrackerState } from "./tracking.ts";
import { validateAdvert } from "./validate-advert.ts";

/** What the last advert we accepted or heard tells about the master, for the preempt_delay rule. */
type LastHeard = "none" | "accepted" | "lower" | "resign";

export interface RouterStats {
  advertsReceived: number;
  advertsSent: number;
  becameMaster: number;
  /** MASTER periods in which a lower-priority router advertised as MASTER too (a split brain, or its end). */
  otherMastersSeen: number;
  /** Answers to lower-priority masters left out by the rate limit (one per advert interval). */
  lowerPriorityAnswersLimited: number;
  rejects: RejectCounters;
  lastReject: RejectReason | null;
}

/**
 * After a handover the leaving master keeps the VIPs this much longer than the new master's first advert:
 * the new master's gratuitous ARPs travel with that advert, and a client's packet sent just before its ARP
 * cache changed must still find the address here.
 */
export const HANDOVER_RELEASE_DELAY_MS = 50;

/** keepalived logs a mismatch once and then stays quiet; we repeat it at most this often. */
const REJECT_LOG_EVERY_MS = 60_000;

export class Router {
  private currentConfig: InstanceConfig;
  #state: RouterState = "INIT";
  /** Base priority plus tracker weights, clamped; 255 for the owner. */
  #priority: number;
  /** The tracker that puts this instance in FAULT, or null. */
  #ownFault: string | null = null;
  /** Set by the sync group while another member is in FAULT. */
  #groupFault: string | null = null;
  /** Set by the driver when it could not carry out this instance's effects. */
  #driverFault: string | null = null;
  readonly stats: RouterStats = {
    advertsReceived: 0,
    advertsSent: 0,
    becameMaster: 0,
    otherMastersSeen: 0,
    lowerPriorityAnswersLimited: 0,
    rejects: newRejectCounters(),
    lastReject: null,
  };

  /** The last state change, and when (the core's clock); null before the first. For status. */
  lastTransition: { from: RouterState; to: RouterState; reason: string; atMs: number } | null = null;
  /** When the last advert this instance accepted arrived (the core's clock); null before the first. For status. */
  lastAdvertAtMs: number | null = null;

  /** Master_Adver_Interval: v3 backups adopt the master's interval (RFC 5798 §6.4.2); v2 and masters use their own. */
  #masterAdverIntervalCs: number;
  private advertAt = Infinity;
  private masterDownAt = Infinity;
  private garpAt = Infinity;
  /** garp_extra_if: the next refresh on the VIPs' other interfaces. */
  private extraGarpAt = Infinity;
  /** The second burst after answering a lower-priority master (garp_lower_prio_delay). */
  private lowerBurstAt = Infinity;
  /** The pending gratuitous burst is the second one after becoming MASTER (not a periodic refresh). */
  private secondBurstPending = false;
  /** The priority our last advert carried, to notice when trackers change it. */
  private announcedPriority = -1;
  private releaseAt = Infinity;
  private releaseReason = "";
  private preemptDelayed = false;
  /** Where STOPPING leads once the VIPs are released: STOP on shutdown, BACKUP after a planned handover. */
  private stoppingTo: "STOP" | "BACKUP" = "STOP";
  /** A planned handover holds this instance BACKUP (it never takes over) until it is undone. */
  #held = false;
  /** keepalived's vrrp_startup_delay: no BACKUP timer runs out before this time (absolute, set by the node). */
  private takeoverNotBefore = -Infinity;
  /** When we last answered a lower-priority master (the answer is rate-limited: a flood must not amplify). */
  private lowerPriorityAnsweredAt = -Infinity;
  /** True while another master's adverts reach us during this MASTER period: logged and counted once. */
  private otherMasterEpisode = false;
  private lastHeard: LastHeard = "none";
  /** The source of the last accepted advert: the master we follow (length 0 when none). */
  private readonly masterAddress = new Uint8Array(16);
  private masterAddressLength = 0;
  private trackerStates: TrackerState[];
  private readonly computed: EffectivePriority = { priority: 0, faultBy: null };
  private readonly rejectLoggedAt = new Map<RejectReason, number>();
  // Preallocated: the steady state (a master sending, a backup receiving) allocates nothing.
  private readonly advertEffect: SendAdvertEffect;
  private readonly garpEffect: SendGratuitousEffect;
  private readonly extraGarpEffect: SendGratuitousEffect;
  private advertFields: AdvertFields;
  /** The AH key and sequence counter of an instance authenticating with IPsec AH; null otherwise. */
  private ah: IpsecAh | null;

  constructor(config: InstanceConfig) {
    this.currentConfig = config;
    this.#priority = config.priority;
    this.#masterAdverIntervalCs = config.advertIntervalCs;
    this.trackerStates = config.trackers.map(() => ({ up: true, value: 0 }));
    this.advertEffect = { type: "SendAdvert", instance: config.name, priority: config.priority };
    this.garpEffect = { type: "SendGratuitous", instance: config.name, repeat: 0, extraInterfacesOnly: false };
    this.extraGarpEffect = { type: "SendGratuitous", instance: config.name, repeat: 1, extraInterfacesOnly: true };
    this.advertFields = advertFieldsOf(config);
    this.ah = config.authType === AUTH_AH ? new IpsecAh(config.authData) : null;
    this.recomputePriority();
  }

  get config(): InstanceConfig {
    return this.currentConfig;
  }

  /** INIT, BACKUP, MASTER, FAULT, STOPPING (a MASTER handing over on shutdown, VIPs kept) or STOP. */
  get state(): RouterState {
    return this.#state;
  }

  /** The state notify scripts and sync groups see: a STOPPING router still holds the VIPs, so it is MASTER. */
  get notifyState(): VrrpState {
    return this.#state === "STOPPING" ? "MASTER" : this.#state;
  }

  /** Base priority plus tracker weights, clamped; 255 for the owner. */
  get priority(): number {
    return this.#priority;
  }

  /** The tracker that puts this instance in FAULT, or null. */
  get ownFault(): string | null {
    return this.#ownFault;
  }

  /** Set by the sync group while another member is in FAULT. */
  get groupFault(): string | null {
    return this.#groupFault;
  }

  /**
   * A reload matched this instance (same interface, family, VRID, peers): take the new settings and keep the
   * state, the master we follow and the state of trackers that are still there. The caller then reconciles,
   * which announces a changed priority or enters or leaves FAULT.
   */
  reconfigure(config: InstanceConfig, nowMs: number): void {
    const old = this.currentConfig;
    const statesByName = new Map(old.trackers.map((tracker, i) => [tracker.name, this.trackerStates[i]!]));
    this.currentConfig = config;
    this.trackerStates = config.trackers.map((tracker) => statesByName.get(tracker.name) ?? { up: true, value: 0 });
    this.advertEffect.instance = config.name;
    this.garpEffect.instance = config.name;
    this.extraGarpEffect.instance = config.name;
    this.advertFields = advertFieldsOf(config);
    if (config.authType !== AUTH_AH) this.ah = null;
    else if (this.ah) this.ah.setKey(config.authData);
    else this.ah = new IpsecAh(config.authData);
    this.recomputePriority();
    const extraMs = config.garp.extraInterfacesRefreshMs;
    if (this.state === "MASTER" && extraMs !== old.garp.extraInterfacesRefreshMs)
      this.extraGarpAt = extraMs > 0 ? nowMs + extraMs : Infinity;
    if (config.advertIntervalCs === old.advertIntervalCs && config.version === old.version) return;
    if (this.state === "MASTER") {
      this.#masterAdverIntervalCs = config.advertIntervalCs;
      this.advertAt = nowMs + config.advertIntervalCs * 10;
    } else if (this.state === "BACKUP") {
      if (config.version === 2 || this.masterAddressLength === 0) this.#masterAdverIntervalCs = config.advertIntervalCs;
      this.masterDownAt = nowMs + this.masterDownIntervalMs;
    }
  }

  get name(): string {
    return this.config.name;
  }

  get isOwner(): boolean {
    return this.config.priority === VRRP_PRIO_OWNER;
  }

  get faulted(): boolean {
    return this.#ownFault !== null || this.#groupFault !== null || this.#driverFault !== null;
  }

  /** True while a planned handover holds this instance BACKUP (`vipd handover`, until `--undo`). */
  get held(): boolean {
    return this.#held;
  }

  /** Why the driver put this instance in FAULT, or null. */
  get driverFault(): string | null {
    return this.#driverFault;
  }

  /** Master_Adver_Interval: the interval the master we follow announced (ours while MASTER). */
  get masterAdverIntervalCs(): number {
    return this.#masterAdverIntervalCs;
  }

  get skewTimeMs(): number {
    return skewTimeMs(this.config.version, this.priority, this.#masterAdverIntervalCs);
  }

  get masterDownIntervalMs(): number {
    return masterDownIntervalMs(this.config.version, this.priority, this.#masterAdverIntervalCs, this.config.downTimerAdverts);
  }

  /** The current master's address as text, or null (allocates: for status and logs). */
  masterAddressString(): string | null {
    if (this.state === "MASTER" || this.state === "STOPPING") return formatIp(this.config.primaryAddress);
    return this.masterAddressLength === 0 ? null : formatIp(this.masterAddress, 0, this.masterAddressLength);
  }

  nextDeadline(): number {
    return Math.min(this.advertAt, this.masterDownAt, this.garpAt, this.releaseAt, this.lowerBurstAt, this.extraGarpAt);
  }

  /**
   * Encodes an advert with `priority` from `src` to `dst` into `out`; returns its length. With AH it is the whole
   * IPv4 datagram; `sameRound` marks the copies of one advert for the second and later unicast peers (same numbers).
   */
  writeAdvert(out: Uint8Array, priority: number, src: Uint8Array, dst: Uint8Array, sameRound = false): number {
    this.advertFields.priority = priority;
    if (this.ah) return this.ah.encode(out, this.advertFields, src, dst, this.config.unicastPeers.length > 0, !sameRound);
    return encodeAdvert(out, this.advertFields, this.config.family, src, dst, this.config.checksumAsV2 ? "as-v2" : "pseudo-header");
  }

  // ---- events -------------------------------------------------------------------------------------------

  startup(nowMs: number, out: Effect[]): void {
    if (this.state !== "INIT") return;
    this.lastHeard = "none";
    if (this.faulted) this.changeState("FAULT", this.faultReason(), nowMs, out);
    else if (this.isOwner && nowMs >= this.takeoverNotBefore) this.changeState("MASTER", "address owner (priority 255)", nowMs, out);
    else {
      if (this.takeoverNotBefore > nowMs) {
        const seconds = (this.takeoverNotBefore - nowMs) / 1000;
        out.push(this.log("info", `startup delay (vrrp_startup_delay): no takeover for ${seconds} s`));
      }
      this.changeState("BACKUP", "startup", nowMs, out);
      // A delayed owner takes over as soon as the delay ends, as keepalived's does.
      if (this.isOwner) this.masterDownAt = this.takeoverNotBefore;
    }
  }

  /**
   * keepalived's vrrp_startup_delay: until `atMs`, adverts are heard as usual but no BACKUP takes over; its
   * Master_Down timer counts from then. Set by the node before startup().
   */
  holdTakeoverUntil(atMs: number): void {
    this.takeoverNotBefore = atMs;
  }

  shutdown(handover: boolean, nowMs: number, out: Effect[]): void {
    // A planned handover under way ends in STOP now; its release is already bounded.
    this.stoppingTo = "STOP";
    if (this.state === "STOP" || this.state === "STOPPING") return;
    if (this.state !== "MASTER") {
      this.changeState("STOP", "shutdown", nowMs, out);
      return;
    }
    this.emitAdvert(VRRP_PRIO_STOP, out);
    if (!handover) {
      this.changeState("STOP", "shutdown", nowMs, out);
      return;
    }
    // Keep serving the VIPs until the new master speaks; the wait is bounded by the longest Master_Down_Interval
    // a backup can have (priority 1), which is also when a backup that missed the priority 0 takes over.
    // The priority 0 is not repeated: each one restarts the backups' skew timer and would delay the takeover.
    this.changeState("STOPPING", "shutdown with handover", nowMs, out);
  }

  /**
   * A planned switchover (maintenance): as on a stop with handover — priority 0, the VIPs kept until the new
   * master speaks — but then BACKUP instead of STOP, and held there (never taking over) until undone. With nobody
   * taking over in time, the handover is called off and the VIPs stay: a planned move never leaves them unserved.
   */
  handover(nowMs: number, out: Effect[]): void {
    if (this.#held || this.state === "STOP" || this.state === "STOPPING") return;
    this.#held = true;
    out.push(this.log("info", "handover requested: held BACKUP until undone"));
    if (this.state !== "MASTER") return;
    this.emitAdvert(VRRP_PRIO_STOP, out);
    this.stoppingTo = "BACKUP";
    this.changeState("STOPPING", "handover requested", nowMs, out);
  }

  /** Ends a planned handover's hold: the instance takes part in elections again. */
  undoHandover(nowMs: number, out: Effect[]): void {
    if (!this.#held) return;
    this.#held = false;
    out.push(this.log("info", "handover undone: taking part in elections again"));
    if (this.state === "BACKUP" && this.masterDownAt === Infinity) this.masterDownAt = nowMs + this.masterDownIntervalMs;
  }

  /** A decoded advert for this instance's VRID: validated here, then stepped through the state machine. */
  receive(advert: ReceivedAdvert, nowMs: number, out: Effect[]): void {
    this.stats.advertsReceived++;
    const fromMaster = this.isFromCurrentMaster(advert);
    const reason = validateAdvert(advert, this.config, fromMaster, this.ah);
    if (reason !== null) {
      this.countReject(reason, advert, nowMs, out);
      return;
    }
    this.lastAdvertAtMs = nowMs;
    if (this.state === "BACKUP") this.ah?.heardMaster();
    switch (this.state) {
      case "BACKUP":
        this.receiveAsBackup(advert, nowMs, out);
        return;
      case "MASTER":
        this.receiveAsMaster(advert, nowMs, out);
        return;
      case "STOPPING":
        this.receiveAsStopping(advert, nowMs);
        return;
      default:
        return; // INIT, FAULT, STOP: adverts change nothing
    }
  }

  /**
   * Counts a reject, attributed to this instance (by VRID when the advert could not be decoded); `src` is the
   * sender as the transport saw it, for the log line.
   */
  countReject(
    reason: RejectReason,
    advert: ReceivedAdvert | null,
    nowMs: number,
    out: Effect[],
    src: Uint8Array | null = advert?.src ?? null,
  ): void {
    this.stats.rejects[reason]++;
    this.stats.lastReject = reason;
    const loggedAt = this.rejectLoggedAt.get(reason);
    if (loggedAt !== undefined && nowMs - loggedAt < REJECT_LOG_EVERY_MS) return;
    this.rejectLoggedAt.set(reason, nowMs);
    const from = src ? ` from ${formatIp(src, 0, addressLength(this.config.family))}` : "";
    out.push(this.log("warn", `advert${from} dropped: ${describeReject(reason, advert, this.config)}`));
  }

  onTimer(nowMs: number, out: Effect[]): void {
    if (this.state === "BACKUP" && this.masterDownAt <= nowMs) this.masterDownExpired(nowMs, out);
    if (this.state === "STOPPING" && this.releaseAt <= nowMs) this.releaseStopping(nowMs, out);
    if (this.state !== "MASTER") return;
    if (this.advertAt <= nowMs) {
      const intervalMs = this.config.advertIntervalCs * 10;
      this.emitAdvert(this.priority, out);
      // Scheduled from the previous deadline, not from now, so the advert train does not drift.
      this.advertAt += intervalMs;
      if (this.advertAt <= nowMs) this.advertAt = nowMs + intervalMs;
    }
    if (this.lowerBurstAt <= nowMs) {
      this.lowerBurstAt = Infinity;
      this.emitGratuitous(this.config.garp.lowerPrioRepeat, out);
    }
    if (this.garpAt <= nowMs) {
      const garp = this.config.garp;
      this.emitGratuitous(this.secondBurstPending ? garp.masterRepeat : garp.masterRefreshRepeat, out);
      this.secondBurstPending = false;
      this.garpAt = garp.masterRefreshMs > 0 ? nowMs + garp.masterRefreshMs : Infinity;
    }
    if (this.extraGarpAt <= nowMs) {
      this.extraGarpAt = nowMs + this.config.garp.extraInterfacesRefreshMs;
      out.push(this.extraGarpEffect);
    }
  }

  /** Records a tracker's new state; the caller then calls reconcile() (so sync groups can be settled first). */
  updateTracker(index: number, up: boolean, value: number): void {
    const state = this.trackerStates[index];
    if (!state) return;
    state.up = up;
    state.value = value;
    this.recomputePriority();
  }

  setGroupFault(cause: string | null): void {
    this.#groupFault = cause;
  }

  /** The driver failed this instance (or, with null, it recovered); the caller then calls reconcile(). */
  setDriverFault(cause: string | null): void {
    this.#driverFault = cause;
  }

  /** Brings the state in line with faults and priority after trackers or the sync group changed. */
  reconcile(nowMs: number, out: Effect[]): void {
    if (this.state === "INIT" || this.state === "STOP" || this.state === "STOPPING") return;
    if (this.faulted) {
      if (this.state !== "FAULT") {
        if (this.state === "MASTER") this.emitAdvert(VRRP_PRIO_STOP, out);
        this.changeState("FAULT", this.faultReason(), nowMs, out);
      }
      return;
    }
    if (this.state === "FAULT") {
      this.lastHeard = "none";
      if (this.isOwner) this.changeState("MASTER", "fault cleared; address owner", nowMs, out);
      else this.changeState("BACKUP", "fault cleared", nowMs, out);
      return;
    }
    if (this.state === "MASTER" && this.announcedPriority !== this.priority) {
      // Announce a new priority at once: a backup that now outranks us can preempt without waiting.
      this.emitAdvert(this.priority, out);
      this.advertAt = nowMs + this.config.advertIntervalCs * 10;
    }
  }

  /** A sync group moves this member along with another one (keepalived's vrrp_sync_group). */
  followGroup(to: "MASTER" | "BACKUP", reason: string, nowMs: number, out: Effect[]): void {
    if (this.state === "STOPPING" || this.faulted) return;
    if (to === "MASTER" && this.#held) return;
    if (to === "MASTER" && this.state === "BACKUP") this.changeState("MASTER", reason, nowMs, out);
    else if (to === "BACKUP" && this.state === "MASTER") this.changeState("BACKUP", reason, nowMs, out);
  }

  // ---- the state machine --------------------------------------------------------------------------------

  private receiveAsBackup(advert: ReceivedAdvert, nowMs: number, out: Effect[]): void {
    if (advert.priority === VRRP_PRIO_STOP) {
      // The master is leaving: take over after Skew_Time only (RFC 5798 §6.4.2).
      this.lastHeard = "resign";
      this.preemptDelayed = false;
      this.masterDownAt = this.backupDeadline(nowMs, this.skewTimeMs);
      return;
    }
    if (!this.config.preempt || advert.priority >= this.priority) {
      this.lastHeard = "accepted";
      this.preemptDelayed = false;
      this.rememberMaster(advert);
      if (this.config.version === 3) this.adoptInterval(advert, out);
      this.masterDownAt = this.backupDeadline(nowMs, this.masterDownIntervalMs);
      return;
    }
    // A lower-priority master and we may preempt: ignore it and let Master_Down_Interval run out.
    this.lastHeard = "lower";
  }

  private receiveAsStopping(advert: ReceivedAdvert, nowMs: number): void {
    if (advert.priority === VRRP_PRIO_STOP || this.masterAddressLength !== 0) return;
    // The new master speaks. Its gratuitous ARPs left with its advert but may not have reached every
    // client yet: keep answering for a moment so packets already on their way to us are not lost.
    this.rememberMaster(advert);
    this.releaseReason = `handover complete: ${advert.srcString()} is advertising`;
    this.releaseAt = Math.min(this.releaseAt, nowMs + HANDOVER_RELEASE_DELAY_MS);
  }

  private receiveAsMaster(advert: ReceivedAdvert, nowMs: number, out: Effect[]): void {
    if (advert.priority === VRRP_PRIO_STOP) {
      // Another master is leaving; answer at once so its backups know we are here.
      this.emitAdvert(this.priority, out);
      this.advertAt = nowMs + this.config.advertIntervalCs * 10;
      return;
    }
    const size = addressLength(this.config.family);
    const higher =
      advert.priority > this.priority ||
      (advert.priority === this.priority && compareAddressBytes(advert.src, 0, this.config.primaryAddress, 0, size) > 0);
    if (higher) {
      // Tell the winner we were MASTER too before stepping down (keepalived's higher_prio_send_advert): after
      // a partition heals, it answers with gratuitous ARPs, and clients that still point here move over at once.
      this.ah?.heardMaster();
      if (this.config.higherPrioSendAdvert) this.emitAdvert(this.priority, out);
      this.rememberMaster(advert);
      this.lastHeard = "accepted";
      if (this.config.version === 3) this.adoptInterval(advert, out);
      const reason =
        advert.priority > this.priority
          ? `higher priority advert from ${advert.srcString()} (${advert.priority} > ${this.priority})`
          : `equal priority ${advert.priority} from higher address ${advert.srcString()}`;
      this.changeState("BACKUP", reason, nowMs, out);
      return;
    }
    // A lower-priority router that believes it is MASTER: a split brain (or a heal).
    this.otherMasterSeen(advert, out);
    // keepalived continues above that router's AH sequence number (on every such advert, answered or not).
    if (this.ah) {
      this.ah.heardLowerPriority(advert);
      out.push(this.log("debug", `IPsec AH: sequence number synced to ${this.ah.seq} from ${advert.srcString()}`));
    }
    // keepalived answers a lower-priority master with an advert and gratuitous ARPs, so that the other side
    // steps down and the switches learn where the VIPs are. Once per advert interval: a flood of forged
    // lower-priority adverts must not turn into a flood of our own frames.
    if (nowMs - this.lowerPriorityAnsweredAt < this.config.advertIntervalCs * 10) {
      this.stats.lowerPriorityAnswersLimited++;
      return;
    }
    this.lowerPriorityAnsweredAt = nowMs;
    // lower_prio_no_advert: the gratuitous ARPs still go out; the other side steps down at our next advert.
    if (!this.config.lowerPrioNoAdvert) this.emitAdvert(this.priority, out);
    this.emitGratuitous(this.config.garp.lowerPrioRepeat, out);
    // keepalived repeats the burst after garp_lower_prio_delay, for switches that missed the first one.
    if (this.config.garp.lowerPrioDelayMs > 0) this.lowerBurstAt = nowMs + this.config.garp.lowerPrioDelayMs;
  }

  /** A lower-priority router advertises while we are MASTER: said once per MASTER period, with both addresses. */
  private otherMasterSeen(advert: ReceivedAdvert, out: Effect[]): void {
    if (this.otherMasterEpisode) return;
    this.otherMasterEpisode = true;
    this.stats.otherMastersSeen++;
    const us = `${formatIp(this.config.primaryAddress)}, priority ${this.priority}`;
    out.push(
      this.log(
        "warn",
        `another master: ${advert.srcString()} (priority ${advert.priority}) advertises while we are MASTER (${us}); ` +
          (this.config.lowerPrioNoAdvert ? "not answering (lower_prio_no_advert)" : "answering so that it steps down"),
      ),
    );
  }

  /** v3 backups take the master's interval (RFC 5798 §6.4.2); one that differs from ours is said once. */
  private adoptInterval(advert: ReceivedAdvert, out: Effect[]): void {
    const interval = advert.advertIntervalCs;
    if (interval === this.#masterAdverIntervalCs) return;
    this.#masterAdverIntervalCs = interval;
    if (interval === this.config.advertIntervalCs) return;
    out.push(
      this.log(
        "info",
        `adopting the master's advert interval of ${interval / 100} s (${advert.srcString()}; ours is ${this.config.advertIntervalCs / 100} s)`,
      ),
    );
  }

  /** The end of STOPPING: STOP, or BACKUP after a handover the new master took; a handover nobody took is called off. */
  private releaseStopping(nowMs: number, out: Effect[]): void {
    if (this.stoppingTo === "BACKUP" && this.masterAddressLength === 0) {
      this.#held = false;
      this.stoppingTo = "STOP";
      out.push(this.log("warn", "handover called off: no backup took over in time; keeping the VIPs"));
      this.changeState("MASTER", "handover called off: no backup took over", nowMs, out);
      return;
    }
    const to = this.stoppingTo;
    this.stoppingTo = "STOP";
    this.changeState(to, this.releaseReason, nowMs, out);
  }

  private masterDownExpired(nowMs: number, out: Effect[]): void {
    if (this.#held) {
      // Held by a planned handover: never take over, whatever is (not) heard.
      this.masterDownAt = Infinity;
      return;
    }
    const delayApplies = this.lastHeard === "none" || this.lastHeard === "lower";
    if (this.config.preemptDelayMs > 0 && delayApplies && !this.preemptDelayed) {
      this.preemptDelayed = true;
      this.masterDownAt = nowMs + this.config.preemptDelayMs;
      return;
    }
    const reason =
      this.lastHeard === "resign"
        ? "master sent priority 0; took over after skew time"
        : this.lastHeard === "lower"
          ? "preempting a lower-priority master"
          : "no advert within Master_Down_Interval";
    this.changeState("MASTER", reason, nowMs, out);
  }

  /**
   * The only place the state changes: exit actions of the old state, entry actions of the new one, Notify.
   * MASTER → STOPPING keeps the VIPs and notifies nothing: scripts see MASTER until the VIPs are released.
   */
  private changeState(to: RouterState, reason: string, nowMs: number, out: Effect[]): void {
    const from = this.state;
    if (from === to) return;
    const fromNotified = this.notifyState;
    if ((from === "MASTER" && to !== "STOPPING") || (from === "STOPPING" && to !== "MASTER")) {
      out.push({ type: "DelVips", instance: this.name });
    }
    if (from === "STOPPING") this.releaseAt = Infinity;
    if (from === "MASTER") {
      this.advertAt = Infinity;
      this.garpAt = Infinity;
      this.lowerBurstAt = Infinity;
      this.extraGarpAt = Infinity;
    }
    this.masterDownAt = Infinity;
    this.preemptDelayed = false;
    this.otherMasterEpisode = false;
    this.#state = to;
    this.lastTransition = { from, to, reason, atMs: nowMs };
    switch (to) {
      case "MASTER": {
        this.stats.becameMaster++;
        this.ah?.becomingMaster();
        this.#masterAdverIntervalCs = this.config.advertIntervalCs;
        this.masterAddressLength = 0;
        this.secondBurstPending = this.config.garp.masterDelayMs > 0;
        // VIPs first; then the gratuitous ARPs that move the clients here; only then the advert that makes a
        // preempted or leaving master drop the VIPs, so no client is left pointing at a host that no longer has them.
        out.push({ type: "AddVips", instance: this.name });
        this.emitGratuitous(this.config.garp.masterRepeat, out);
        this.emitAdvert(this.priority, out);
        this.advertAt = nowMs + this.config.advertIntervalCs * 10;
        const garp = this.config.garp;
        this.garpAt =
          garp.masterDelayMs > 0 ? nowMs + garp.masterDelayMs : garp.masterRefreshMs > 0 ? nowMs + garp.masterRefreshMs : Infinity;
        this.extraGarpAt = garp.extraInterfacesRefreshMs > 0 ? nowMs + garp.extraInterfacesRefreshMs : Infinity;
        break;
      }
      case "BACKUP":
        this.masterDownAt = this.backupDeadline(nowMs, this.masterDownIntervalMs);
        break;
      case "STOPPING":
        // Keep serving the VIPs until the new master speaks. A backup that heard the priority 0 takes over after
        // its Skew_Time, at most that of priority 1; one advert interval more covers its delivery and scheduling.
        // Heard by nobody (a lone MASTER, or a backup that missed it): release then, as keepalived does at once.
        // The priority 0 is not repeated: each one restarts the backups' skew timer and would delay the takeover.
        this.masterAddressLength = 0;
        this.releaseReason = "handover: no new master advertised in time, releasing the VIPs";
        this.releaseAt = nowMs + handoverWaitMs(this.config.version, this.config.advertIntervalCs);
        out.push(
          this.log(
            "info",
            `${this.stoppingTo === "STOP" ? "stopping" : "handing over"}: priority 0 sent, keeping the VIPs until the new master advertises`,
          ),
        );
        return;
      default:
        break;
    }
    if (fromNotified === this.notifyState) return; // STOPPING back to MASTER: nothing changed for the scripts
    out.push({
      type: "Notify",
      kind: "INSTANCE",
      name: this.name,
      from: fromNotified,
      to: this.notifyState,
      priority: this.priority,
      reason,
    });
  }

  // ---- helpers ------------------------------------------------------------------------------------------

  /** A BACKUP's timer `waitMs` from now, or from the end of the startup delay while it lasts. */
  private backupDeadline(nowMs: number, waitMs: number): number {
    return Math.max(nowMs, this.takeoverNotBefore) + waitMs;
  }

  private emitAdvert(priority: number, out: Effect[]): void {
    this.stats.advertsSent++;
    this.announcedPriority = priority;
    this.advertEffect.priority = priority;
    out.push(this.advertEffect);
  }

  private emitGratuitous(repeat: number, out: Effect[]): void {
    if (repeat <= 0) return;
    this.garpEffect.repeat = repeat;
    out.push(this.garpEffect);
  }

  private recomputePriority(): void {
    effectivePriority(this.config.priority, this.config.trackers, this.trackerStates, this.computed);
    this.#priority = this.computed.priority;
    this.#ownFault = this.computed.faultBy;
  }

  private faultReason(): string {
    if (this.#driverFault !== null) return this.#driverFault;
    if (this.#ownFault !== null) return `tracker ${this.#ownFault} is down`;
    return this.#groupFault ?? "fault";
  }

  private rememberMaster(advert: ReceivedAdvert): void {
    const size = addressLength(this.config.family);
    for (let i = 0; i < size; i++) this.masterAddress[i] = advert.src[i]!;
    this.masterAddressLength = size;
  }

  private isFromCurrentMaster(advert: ReceivedAdvert): boolean {
    if (this.masterAddressLength === 0) return false;
    return compareAddressBytes(advert.src, 0, this.masterAddress, 0, this.masterAddressLength) === 0;
  }

  private log(level: "debug" | "info" | "warn", message: string): Effect {
    return { type: "Log", level, instance: this.name, message };
  }
}

/** The longest a STOPPING master waits for its successor: Skew_Time of priority 1 plus one advert interval. */
export function handoverWaitMs(version: InstanceConfig["version"], advertIntervalCs: number): number {
  return skewTimeMs(version, 1, advertIntervalCs) + advertIntervalCs * 10;
}

function advertFieldsOf(config: InstanceConfig): AdvertFields {
  return {
    version: config.version,
    vrid: config.vrid,
    priority: config.priority,
    advertIntervalCs: config.advertIntervalCs,
    addresses: config.advertAddresses,
    authType: config.authType,
    // With AH the password keys the ICV and the advert's own auth data stays zero (keepalived's).
    authData: config.authType === AUTH_PASS ? config.authData : new Uint8Array(VRRP_AUTH_DATA_LENGTH),
  };
}

function describeReject(reason: RejectReason, advert: ReceivedAdvert | null, config: InstanceConfig): string {
  switch (reason) {
    case "interval-mismatch":
      return `advert interval mismatch: ours ${config.advertIntervalCs / 100} s, theirs ${(advert?.advertIntervalCs ?? 0) / 100} s`;
    case "address-count-mismatch":
      return `VIP count mismatch: ours ${config.advertAddresses.length}, theirs ${advert?.addressCount ?? "?"} (${advert?.addressStrings().join(" ")})`;
    case "address-list-mismatch":
      return `VIP list mismatch: theirs ${advert?.addressStrings().join(" ")}`;
    case "bad-ttl":
      return config.unicastPeers.length > 0
        ? `TTL/hop limit ${advert?.ttl ?? "?"} outside the peer's min_ttl..max_ttl`
        : `TTL/hop limit ${advert?.ttl ?? "?"}, not 255: it crossed a router`;
    case "auth-mismatch":
      return "authentication password mismatch";
    case "ah-bad-icv":
      return "IPsec AH check value mismatch (another auth_pass)";
    case "ah-replay":
      return `IPsec AH sequence number ${advert && advert.ahOffset >= 0 ? ahSequenceNumber(advert) : "?"} not above ours (a replay, or the sender restarted)`;
    case "auth-type-mismatch":
      return `authentication type mismatch: ours ${config.authType}, theirs ${advert?.authType ?? "?"}`;
    case "version-mismatch":
      return `VRRP version mismatch: ours ${config.version}, theirs ${advert?.version ?? "?"}`;
    case "ipv6-fragment":
      return "it came in IPv6 fragments, which are not reassembled (an advert must fit the link's MTU: check the sender's VIPs and MTU)";
    case "ipv6-extension-header":
      return "an IPv6 routing header with segments left or a malformed extension header stands before it";
    case "checksum-form-mismatch":
      return config.checksumAsV2
        ? "peer sums the v3 checksum with the IPv4 pseudo-header; we use v3_checksum_as_v2"
        : "peer sums the v3 checksum without the IPv4 pseudo-header (keepalived's v3_checksum_as_v2)";
    default:
      return reason;
  }
}
