// The load-balancing side of the daemon: the IPVS table kept in step with [virtual_servers] and with the health
// of the real servers, which the checker process reports. The table is opened (which loads ip_vs) only once there
// are virtual servers, or services recorded by an earlier run to clean up; the checker process runs only while
// there are checks. A check that flips is logged once with its reason; the table is reconciled once per burst of
// reports, for the virtual servers the burst touched only, a few per timer turn.

import type { Ids } from "../adapters/user-lookup.ts";
import type { Ipvs } from "../adapters/ipvs.ts";
import type { CheckReport } from "../check/check-runner.ts";
import type { SpawnChecker } from "../check/checker-process.ts";
import { CheckerSupervisor } from "../check/checker-supervisor.ts";
import { type CheckDefinition, probeKey } from "../check/check-definition.ts";
import type { Timers } from "../clock/timers.ts";
import type { RealServerConfig, VipdConfig, VirtualServerSection } from "../config/schema.ts";
import { rangeAddresses } from "../config/virtual-server-group-section.ts";
import { formatIp } from "../vrrp/ip-address.ts";
import { type AlertText, checkerAlertText, realServerRemovedText, virtualServerAlertText } from "../notify/mail-message.ts";
import type { Log } from "../daemon/log.ts";
import { type FileCheckResult, FileChecks } from "./file-checks.ts";
import { type CheckHealth, HealthTable, type RecordResult } from "./health-table.ts";
import { type LvsMail, LvsNotifier, type RunScript } from "./lvs-notifier.ts";
import type { OwnedServices } from "./owned-services.ts";
import { IpvsReconciler } from "./reconciler.ts";

export interface LoadBalancerDeps {
  /** Opens the kernel's IPVS table; throws when it cannot. */
  openIpvs: () => Ipvs;
  record: OwnedServices;
  log: Log;
  checkLog: Log;
  timers: Timers;
  spawnChecker: SpawnChecker;
  /** Runs notify_up / notify_down / quorum_up / quorum_down (without waiting). */
  runScript: RunScript;
  /** Queues a mail about a real server a check moved (its smtp_alert); the mailer knows whether mail is set up. */
  mail: (render: (routerId: string) => AlertText) => void;
}

export interface LoadBalancerStatus {
  virtualServers: {
    name: string;
    realServers: {
      address: string;
      port: number | null;
      alive: boolean;
      /** In the table at this weight; null: out of it. */
      weight: number | null;
      checks: { check: string; up: boolean; last: { ok: boolean; reason: string; durationMs: number } | null }[];
    }[];
  }[];
  /** The checker process, while there are checks: its PID, restarts, and how many distinct probes it runs. */
  checker: { pid: number | null; restarts: number; distinctChecks: number } | null;
}

/**
 * Whether the host's addresses matter to the load balancer (only ha_suspend reads them): without it the daemon does
 * not list them on every address event (100 VIPs coming up were 100 dumps of 100 addresses, ≈ 2 MiB of garbage).
 */
export function watchesAddresses(config: Pick<VipdConfig, "virtualServers">): boolean {
  return config.virtualServers.some((vs) => vs.haSuspend);
}

type LvsConfig = Pick<VipdConfig, "virtualServers" | "virtualServerGroups"> & {
  global: Pick<VipdConfig["global"], "lvsTimeouts" | "checkerLogAllFailures">;
};

/** Virtual servers reconciled per timer turn after health reports (a hundred real servers each in the benchmark). */
export const HEALTH_SLICE = 2;

export class LoadBalancer {
  private lvs: { ipvs: Ipvs; reconciler: IpvsReconciler } | null = null;
  private readonly health = new HealthTable();
  private supervisor: CheckerSupervisor | null = null;
  private config: LvsConfig | null = null;
  private reconcileTimer: unknown = null;
  /** Virtual servers whose real servers' health changed since the last reconcile. */
  private readonly touched = new Set<string>();
  private readonly notifier: LvsNotifier;
  /** ha_suspend: virtual servers whose addresses are not on this host; their checks wait. */
  private suspended = new Set<string>();
  private localAddresses: ReadonlySet<string> = new Set();
  private readonly fileChecks: FileChecks;

  constructor(private readonly deps: LoadBalancerDeps) {
    this.notifier = new LvsNotifier(deps.runScript, (m) => this.mailLvs(m));
    this.fileChecks = new FileChecks(deps.timers, (r) => this.onFileResult(r));
  }

  /** At start and reload. `checkIds`: the users MISC_CHECK programs run as, by check key (see plan.ts). */
  apply(config: LvsConfig, checkIds: Map<string, Ids>): void {
    if (!this.open(config)) return;
    this.config = config;
    this.health.configure(config, checkIds);
    this.suspended = this.suspendedOf(config, this.localAddresses, false);
    // Read before the table is set up: a real server whose file says down is not added first.
    this.fileChecks.sync(this.health.fileChecks());
    this.lvs!.reconciler.apply(config, this.health.lookup);
    this.notifyChanges();
    if (this.health.plan().length > 0 && this.supervisor === null) {
      const { timers, spawnChecker, checkLog } = this.deps;
      this.supervisor = new CheckerSupervisor(
        spawnChecker,
        timers,
        checkLog,
        () => this.health.plan(this.suspended),
        (r) => this.onReport(r),
      );
    }
    this.supervisor?.replan();
  }

  /**
   * The addresses on this host changed (at start, and on every address event): ha_suspend's virtual servers whose
   * address came or went start or stop their checks. `addresses` are formatted as formatIp writes them.
   */
  addressesChanged(addresses: ReadonlySet<string>): void {
    this.localAddresses = addresses;
    if (this.config === null) return;
    const suspended = this.suspendedOf(this.config, addresses, true);
    const changed = suspended.size !== this.suspended.size || [...suspended].some((v) => !this.suspended.has(v));
    this.suspended = suspended;
    if (changed) this.supervisor?.replan();
  }

  /** keepalived: with ha_suspend, a virtual server's checks run while at least one of its addresses is local. */
  private suspendedOf(config: LvsConfig, addresses: ReadonlySet<string>, logChanges: boolean): Set<string> {
    const out = new Set<string>();
    for (const vs of config.virtualServers) {
      if (!vs.haSuspend) continue;
      const own = serviceAddresses(vs, config.virtualServerGroups);
      const suspended = !own.some((a) => addresses.has(a));
      if (suspended) out.add(vs.name);
      if (logChanges && suspended !== this.suspended.has(vs.name)) {
        this.deps.checkLog.info(
          `ha_suspend: checks of ${vs.name} ${suspended ? "suspended" : "resumed"} (${own.join(", ")} ${suspended ? "no longer" : "now"} on this host)`,
        );
      }
    }
    return out;
  }

  /** At stop (and when giving up): the checker stopped, vipd's IPVS services removed or kept. */
  stop(mode: "remove" | "keep"): void {
    this.supervisor?.stop();
    this.supervisor = null;
    this.fileChecks.stop();
    this.deps.timers.clearTimeout(this.reconcileTimer);
    this.notifier.stop();
    if (!this.lvs) return;
    this.lvs.reconciler.stop(mode);
    this.lvs.ipvs.close();
    this.lvs = null;
  }

  /** For `vipd status` and the metrics: every virtual server, its real servers and their checks. */
  status(): LoadBalancerStatus {
    const config = this.config;
    if (config === null) return { virtualServers: [], checker: null };
    return {
      virtualServers: config.virtualServers.map((vs) => ({
        name: vs.name,
        realServers: vs.realServers.map((rs, i) => {
          const health = this.health.lookup(vs.name, i, rs);
          return {
            address: rs.address,
            port: rs.port,
            alive: health.alive,
            weight: health.alive ? health.weight : rs.inhibitOnFailure ? 0 : null,
            checks: rs.checks.map(({ definition }) => {
              const check = this.health.get(probeKey(definition));
              const last = check?.last ?? null;
              return {
                check: describeCheck(definition),
                up: check?.up ?? true,
                last: last && { ok: last.ok, reason: last.reason, durationMs: Math.round(last.durationMs * 10) / 10 },
              };
            }),
          };
        }),
      })),
      checker: this.supervisor && { pid: this.supervisor.pid, restarts: this.supervisor.restarts, distinctChecks: this.health.size },
    };
  }

  /** For status and tests. */
  get checkerPid(): number | null {
    return this.supervisor?.pid ?? null;
  }

  get checkerRestarts(): number {
    return this.supervisor?.restarts ?? 0;
  }

  /** keepalived's checker mail: one per real server the check belongs to, if it has smtp_alert. */
  private mailFlip(check: CheckHealth, up: boolean): void {
    for (const { virtualServer, index } of check.servers) {
      const vs = this.config?.virtualServers.find((v) => v.name === virtualServer);
      const rs = vs?.realServers[index];
      if (!vs || !rs?.smtpAlert) continue;
      const serverUp = this.health.lookup(vs.name, index, rs).alive;
      const kind = check.definition.kind;
      this.deps.mail((routerId) => checkerAlertText(routerId, realServerText(vs, rs), virtualServerText(vs), serverUp, kind, up));
    }
  }

  /** keepalived's quorum mails (the virtual server's smtp_alert) and removed real servers' (theirs). */
  private mailLvs(m: LvsMail): void {
    const vsText = virtualServerText(m.vs);
    if (m.kind === "quorum") this.deps.mail((routerId) => virtualServerAlertText(routerId, vsText, m.up, m.body));
    else this.deps.mail((routerId) => realServerRemovedText(routerId, realServerText(m.vs, m.rs), vsText, m.stopping));
  }

  private notifyChanges(): void {
    const lvs = this.lvs;
    if (!lvs || !this.config) return;
    this.notifier.update(this.config.virtualServers, this.health.lookup, (vs) => lvs.reconciler.quorumOf(vs));
  }

  private open(config: LvsConfig): boolean {
    if (this.lvs) return true;
    const { log, record } = this.deps;
    if (config.virtualServers.length === 0 && record.load().length === 0) return false;
    try {
      const ipvs = this.deps.openIpvs();
      this.lvs = { ipvs, reconciler: new IpvsReconciler(ipvs, log, record, { timers: this.deps.timers }) };
      return true;
    } catch (error) {
      log.error(`cannot open the kernel's IPVS table: ${(error as Error).message}; virtual servers are not set up`);
      return false;
    }
  }

  private onReport(report: CheckReport): void {
    const result = this.health.record(report);
    const check = this.health.get(report.key);
    if (result.flipped && check) {
      this.logFlip(check, report);
      this.mailFlip(check, report.up);
    } else if (check && !report.ok && report.up && (check.logAllFailures || this.config?.global.checkerLogAllFailures)) {
      // log_all_failures: a failed run the retries may still make good (keepalived logs these only when asked).
      this.deps.checkLog.info(
        `${describeCheck(check.definition)} failed (${report.reason}); still up, retrying, for ${check.users.join(", ")}`,
      );
    }
    this.reconcileSoon(result, check);
  }

  /** keepalived mails nothing when a FILE_CHECK moves a real server; it logs, as vipd does. */
  private onFileResult({ key, verdict, reason }: FileCheckResult): void {
    const report: CheckReport = { key, ok: verdict.up, up: verdict.up, changed: false, reason, weight: null, durationMs: 0 };
    const result = this.health.recordFile(report, verdict.weightDelta);
    const check = this.health.get(key);
    if (check && result.flipped) this.logFlip(check, report);
    else if (check && result.weightChanged) {
      const delta = verdict.weightDelta >= 0 ? `+${verdict.weightDelta}` : String(verdict.weightDelta);
      this.deps.checkLog.info(`${describeCheck(check.definition)} ${reason}: weight ${delta} for ${check.users.join(", ")}`);
    }
    this.reconcileSoon(result, check);
  }

  private logFlip(check: CheckHealth, report: CheckReport): void {
    const line = `${describeCheck(check.definition)} ${report.up ? "succeeded" : "failed"} (${report.reason}): ${report.up ? "up" : "down"} for ${check.users.join(", ")}`;
    if (report.up) this.deps.checkLog.info(line);
    else this.deps.checkLog.warn(line);
  }

  private reconcileSoon(result: RecordResult, check: CheckHealth | undefined): void {
    if (!result.tableChanged || check === undefined) return;
    for (const { virtualServer } of check.servers) this.touched.add(virtualServer);
    if (this.reconcileTimer !== null) return;
    // Reports come in bursts (many servers behind one switch): one reconcile for the burst.
    this.reconcileTimer = this.deps.timers.setTimeout(() => this.reconcileTouched(), 0);
  }

  /**
   * The virtual servers the reports touched, HEALTH_SLICE per timer turn: a rack going down (5,000 real servers at
   * once) is thousands of IPVS changes, and in one block they held the VRRP adverts back. The scripts and mails
   * follow the last slice.
   */
  private reconcileTouched(): void {
    this.reconcileTimer = null;
    if (!this.lvs || !this.config) {
      this.touched.clear();
      return;
    }
    const slice = new Set<string>();
    for (const name of this.touched) {
      if (slice.size >= HEALTH_SLICE) break;
      slice.add(name);
      this.touched.delete(name);
    }
    this.lvs.reconciler.healthChanged(this.config, this.health.lookup, slice);
    if (this.touched.size > 0) this.reconcileTimer = this.deps.timers.setTimeout(() => this.reconcileTouched(), 0);
    else this.notifyChanges();
  }
}

/** The addresses a virtual server answers on: its own, or its group's address members. */
function serviceAddresses(vs: VirtualServerSection, groups: LvsConfig["virtualServerGroups"]): string[] {
  const t = vs.target;
  if (t.kind === "address") return [formatIp(t.bytes)];
  if (t.kind === "fwmark") return [];
  const group = groups.find((g) => g.name === t.group);
  return (group?.members ?? []).flatMap((m) => (m.kind === "range" ? rangeAddresses(m).map((a) => formatIp(a)) : []));
}

/** keepalived's way of writing a virtual server in mail: `[203.0.113.10]:tcp:80`, `FWM 5`, `[GROUP]:0`. */
export function virtualServerText(vs: VirtualServerSection): string {
  const t = vs.target;
  if (t.kind === "fwmark") return `FWM ${t.fwmark}`;
  if (t.kind === "group") return `[${t.group}]:0`;
  return `[${t.address}]:${t.protocol}:${t.port}`;
}

/** `[198.51.100.21]:tcp:8080`: its own port, else the service's. */
export function realServerText(vs: VirtualServerSection, rs: RealServerConfig): string {
  const t = vs.target;
  const protocol = t.kind === "fwmark" ? "tcp" : (t.protocol ?? "tcp");
  const port = rs.port ?? (t.kind === "address" ? t.port : 0);
  return `[${rs.address}]:${protocol}:${port}`;
}

/** "TCP_CHECK of 198.51.100.1:80", "MISC_CHECK /usr/bin/check arg". */
export function describeCheck(check: CheckDefinition): string {
  if (check.kind === "MISC_CHECK") return `MISC_CHECK ${check.command}`;
  if (check.kind === "FILE_CHECK") return `FILE_CHECK of track file ${check.trackFile} (${check.path})`;
  const { address, family, port } = check.connect;
  return `${check.kind} of ${family === 6 ? `[${address}]` : address}:${port}`;
}
