// Keeps the kernel's IPVS table in step with [virtual_servers]. The daemon runs VRRP on the same event loop, so
// after start nothing reads the whole table at once (1,000 services × 10 real servers are 1,001 netlink dumps):
//   - start reads the whole table once, works out the difference and carries it out (see apply);
//   - a health flip reads and fixes only the services whose desired form changed (healthChanged);
//   - a reload does the same for the services the new configuration changed, adds or drops, then checks every
//     other service in slices between event-loop turns (repairing changes made behind vipd's back), logged when
//     it repairs something; a newer reload or a stop cancels it.
//
// Ownership is the set of services the configuration names, recorded (owned-services.ts) so that it outlives a
// crash: vipd never touches another service. A start adopts the services it finds that the configuration names
// (edited in place, connections kept) and removes those it recorded that the configuration no longer names.

import { type Ipvs, type IpvsRefusal, type Service, type ServiceKey, serviceKeyText } from "../adapters/ipvs.ts";
import { realTimers, type Timers } from "../clock/timers.ts";
import type { VipdConfig } from "../config/schema.ts";
import type { Log } from "../daemon/log.ts";
import { ALL_UP, type DesiredMemo, type DesiredService, desiredTable, type HealthLookup, type QuorumStates } from "./desired-table.ts";
import { NO_RECORD, type OwnedServices } from "./owned-services.ts";
import { SlicedRun } from "./sliced-run.ts";
import { describeOperation, diffTables, type IpvsOperation, sameDesiredService } from "./table-diff.ts";

export interface ApplyResult {
  /** The operations carried out, in order (failed ones included). */
  operations: IpvsOperation[];
  /** Those the kernel refused, with its errno name; each was logged. */
  failures: { operation: IpvsOperation; code: string; message: string }[];
  /** The table could not be read (nothing was changed): the kernel's errno name and message; logged. */
  unreadable: string | null;
}

export interface ReconcilerOptions {
  /** The daemon's timers: a reload's resync runs one slice per timer turn. */
  timers?: Timers;
  /** Services a resync slice reads (and repairs) at most. */
  resyncSlice?: number;
}

type LvsTables = Pick<VipdConfig, "virtualServers" | "virtualServerGroups">;

/**
 * Services per resync slice: each is two small netlink requests and its destinations decoded. Eight services of
 * ten real servers took ≈ 20 ms (72 ms at most) under the test VM's emulation with the daemon's interpreter-only
 * runtime, where the whole table of 1,000 took ≈ 2 s; the host is ≈ 12× faster.
 */
export const RESYNC_SLICE = 8;

export class IpvsReconciler {
  /** Services set up (or adopted) by the last apply: a reload that drops one removes it. */
  private owned: Set<string>;
  private readonly quorum: QuorumStates = new Map();
  private readonly workedOut: DesiredMemo = new Map();
  /** The desired form of every service as last worked out: a flip or reload reads only those whose form changes. */
  private readonly wanted = new Map<string, DesiredService>();
  /** Services whose last change was refused or that could not be read: read again whatever the comparison says. */
  private readonly unsettled = new Set<string>();
  /** Dropped services whose removal was refused (or not known to be done): still ours, removed at the next chance. */
  private readonly leftover = new Map<string, ServiceKey>();
  /** Set once a whole-table pass has succeeded; until then every apply is one. */
  private started = false;
  private resync: SlicedRun<string> | null = null;
  private readonly timers: Timers;
  private readonly sliceSize: number;

  constructor(
    private readonly ipvs: Ipvs,
    private readonly log: Log,
    private readonly record: OwnedServices = NO_RECORD,
    options: ReconcilerOptions = {},
  ) {
    this.owned = new Set(record.load());
    this.timers = options.timers ?? realTimers;
    this.sliceSize = options.resyncSlice ?? RESYNC_SLICE;
  }

  /**
   * At start and reload: the timeouts, then the table. The first apply reads the whole table in one pass: vipd
   * knows nothing yet of what a crashed run or an operator left there (services recorded as vipd's but no longer
   * configured are found only in it), and a first start writes the whole table anyway (11,000 changes for 1,000
   * services × 10), a longer block than the read. A later apply works on the changed services at once and
   * leaves the others to a sliced resync (the result reports the former only).
   */
  apply(config: LvsTables & { global: Pick<VipdConfig["global"], "lvsTimeouts"> }, health: HealthLookup = ALL_UP): ApplyResult {
    this.cancelResync();
    this.applyTimeouts(config.global.lvsTimeouts);
    const configured = new Set(config.virtualServers.map((vs) => vs.name));
    for (const name of this.quorum.keys()) if (!configured.has(name)) this.quorum.delete(name);
    for (const name of this.workedOut.keys()) if (!configured.has(name)) this.workedOut.delete(name);
    const desired = desiredTable(config.virtualServers, config.virtualServerGroups, this.quorum, health, this.workedOut);
    if (!this.started) return this.wholeTable(desired);
    const names = new Set(desired.map((s) => serviceKeyText(s.key)));
    const dropped = new Map<string, ServiceKey>();
    for (const [name, key] of this.leftover)
      if (names.has(name)) this.leftover.delete(name);
      else dropped.set(name, key);
    for (const [name, s] of this.wanted) if (!names.has(name)) dropped.set(name, s.key);
    const result = this.changedOnly(desired, dropped);
    this.startResync();
    return result;
  }

  /**
   * When real servers' health changed: the named virtual servers' services are worked out again (quorum and sorry
   * server included), and only those whose form changed are read and fixed.
   */
  healthChanged(config: LvsTables, health: HealthLookup, virtualServers: ReadonlySet<string>): ApplyResult {
    const servers = config.virtualServers.filter((vs) => virtualServers.has(vs.name));
    const desired = desiredTable(servers, config.virtualServerGroups, this.quorum, health, this.workedOut);
    return this.changedOnly(desired, new Map());
  }

  /** Whether a reload's resync is still going through the services. */
  get resyncing(): boolean {
    return this.resync !== null;
  }

  /** Whether the virtual server had quorum at the last reconcile (undefined: not known). */
  quorumOf(virtualServer: string): boolean | undefined {
    return this.quorum.get(virtualServer);
  }

  /** At stop: "remove" deletes vipd's services (keepalived's way); "keep" leaves them serving for the next start. */
  stop(mode: "remove" | "keep"): ApplyResult {
    this.cancelResync();
    if (mode === "keep") {
      this.log.info(`IPVS: keeping ${this.owned.size} services at stop (lvs_on_stop = "keep")`);
      return { operations: [], failures: [], unreadable: null };
    }
    // The services alone: deleting one deletes its destinations, and reading 10,000 of them was most of a stop.
    const current = this.readTable({ destinations: false });
    if (typeof current === "string") return { operations: [], failures: [], unreadable: current };
    const operations = diffTables([], current, this.owned);
    const failures = this.run(operations);
    this.owned = new Set(failures.filter((f) => f.operation.op === "deleteService").map((f) => serviceKeyText(f.operation.service)));
    this.record.save([...this.owned]);
    return { operations, failures, unreadable: null };
  }

  /** The whole table read in one pass and made as desired. */
  private wholeTable(desired: DesiredService[]): ApplyResult {
    this.wanted.clear();
    for (const s of desired) this.wanted.set(serviceKeyText(s.key), s);
    const current = this.readTable();
    if (typeof current === "string") {
      // Nothing is known of the kernel's table: every service is read again at its next flip, or the next apply.
      for (const name of this.wanted.keys()) this.unsettled.add(name);
      return { operations: [], failures: [], unreadable: current };
    }
    this.started = true;
    const operations = diffTables(desired, current, this.owned);
    const failures = this.run(operations);
    this.unsettled.clear();
    this.leftover.clear();
    for (const f of failures) this.unsettle(f.operation);
    this.saveOwned();
    if (operations.length > 0) this.log.info(`IPVS: ${operations.length - failures.length} of ${operations.length} changes applied`);
    return { operations, failures, unreadable: null };
  }

  /**
   * `desired`: services whose form may have changed; `dropped`: services of ours no longer wanted. Reads only
   * those whose form differs from the last one worked out (or that are unsettled), and the dropped ones.
   */
  private changedOnly(desired: readonly DesiredService[], dropped: ReadonlyMap<string, ServiceKey>): ApplyResult {
    const changed: DesiredService[] = [];
    for (const s of desired) {
      const name = serviceKeyText(s.key);
      if (this.unsettled.has(name) || !sameDesiredService(this.wanted.get(name), s)) changed.push(s);
      this.wanted.set(name, s);
    }
    for (const name of dropped.keys()) {
      this.wanted.delete(name);
      this.unsettled.delete(name);
    }
    const current: Service[] = [];
    let unreadable: string | null = null;
    const read = (key: ServiceKey): boolean => {
      const found = this.readService(key);
      if (typeof found === "string") {
        unreadable = found;
        return false;
      }
      if (found !== null) current.push(found);
      return true;
    };
    const readable = changed.filter((s) => read(s.key));
    for (const s of changed) this.unsettled.add(serviceKeyText(s.key));
    for (const s of readable) this.unsettled.delete(serviceKeyText(s.key));
    for (const [name, key] of dropped) {
      // Unreadable: still ours, removed at the next chance; read and absent or deleted below: gone.
      if (read(key)) this.leftover.delete(name);
      else this.leftover.set(name, key);
    }
    const operations = diffTables(readable, current, this.owned);
    const failures = this.run(operations);
    for (const f of failures) this.unsettle(f.operation);
    this.saveOwned();
    if (operations.length > 0) this.log.info(`IPVS: ${operations.length - failures.length} of ${operations.length} changes applied`);
    return { operations, failures, unreadable };
  }

  /** A refused operation leaves its service to be read again; a refused removal keeps it ours. */
  private unsettle(o: IpvsOperation): void {
    const name = serviceKeyText(o.service);
    if (o.op === "deleteService") this.leftover.set(name, o.service);
    else this.unsettled.add(name);
  }

  /** Ours: what is wanted, and what could not be removed yet. Recorded only when it changed. */
  private saveOwned(): void {
    const owned = new Set([...this.wanted.keys(), ...this.leftover.keys()]);
    if (owned.size === this.owned.size && [...owned].every((n) => this.owned.has(n))) return;
    this.owned = owned;
    this.record.save([...owned]);
  }

  /** After a reload: every service of ours read and repaired, a slice per timer turn. */
  private startResync(): void {
    const names = [...this.wanted.keys(), ...this.leftover.keys()];
    const repaired: string[] = [];
    const run = new SlicedRun(
      this.timers,
      names,
      this.sliceSize,
      (slice) => this.repairSlice(slice, repaired),
      () => {
        this.resync = null;
        if (repaired.length > 0) {
          this.log.info(`IPVS: resync after reload repaired ${repaired.length} of ${names.length} services changed outside vipd`);
        }
      },
    );
    this.resync = run;
    run.start();
  }

  /** Reads each service of the slice and makes it as wanted (a leftover one: removed). */
  private repairSlice(slice: readonly string[], repaired: string[]): void {
    const desired: DesiredService[] = [];
    const current: Service[] = [];
    const read: string[] = [];
    for (const name of slice) {
      const want = this.wanted.get(name);
      const key = want?.key ?? this.leftover.get(name);
      if (key === undefined) continue;
      const found = this.readService(key);
      if (typeof found === "string") {
        if (want !== undefined) this.unsettled.add(name);
        continue;
      }
      read.push(name);
      if (want !== undefined) desired.push(want);
      if (found !== null) current.push(found);
    }
    const operations = diffTables(desired, current, this.owned);
    const failures = this.run(operations);
    for (const name of new Set(operations.map((o) => serviceKeyText(o.service)))) {
      repaired.push(name);
      const what = operations.filter((o) => serviceKeyText(o.service) === name).map(describeOperation);
      this.log.warn(`IPVS: ${name} differed from the configuration (changed outside vipd); repaired: ${what.join(", ")}`);
    }
    // What was read is settled now (a leftover one gone), unless a change to it was refused just now.
    for (const name of read) {
      this.unsettled.delete(name);
      this.leftover.delete(name);
    }
    for (const f of failures) this.unsettle(f.operation);
    this.saveOwned();
  }

  private cancelResync(): void {
    this.resync?.cancel();
    this.resync = null;
  }

  /** keepalived sets the configured timeouts at start; vipd also at reload, and only those that differ. */
  private applyTimeouts(wanted: VipdConfig["global"]["lvsTimeouts"]): void {
    if (wanted.tcpS === 0 && wanted.tcpFinS === 0 && wanted.udpS === 0) return;
    try {
      const have = this.ipvs.timeouts();
      const change = {
        tcpS: wanted.tcpS !== have.tcpS ? wanted.tcpS : 0,
        tcpFinS: wanted.tcpFinS !== have.tcpFinS ? wanted.tcpFinS : 0,
        udpS: wanted.udpS !== have.udpS ? wanted.udpS : 0,
      };
      if (change.tcpS === 0 && change.tcpFinS === 0 && change.udpS === 0) return;
      this.ipvs.setTimeouts(change);
      this.log.info(`IPVS: timeouts (tcp tcpfin udp, 0 unchanged) set to ${change.tcpS} ${change.tcpFinS} ${change.udpS}`);
    } catch (e) {
      this.log.error(`IPVS: setting the timeouts refused: ${(e as { code?: string }).code ?? "EUNKNOWN"} (${(e as Error).message})`);
    }
  }

  private readTable(options: { destinations?: boolean } = {}): Service[] | string {
    try {
      return this.ipvs.services({ counters: false, ...options });
    } catch (e) {
      const reason = `${(e as { code?: string }).code ?? "EUNKNOWN"} (${(e as Error).message})`;
      this.log.error(`IPVS: cannot read the table, nothing changed: ${reason}`);
      return reason;
    }
  }

  /** One service of ours with its destinations (null: absent), or why it could not be read (logged). */
  private readService(key: ServiceKey): Service | null | string {
    try {
      return this.ipvs.service(key, { counters: false });
    } catch (e) {
      const reason = `${(e as { code?: string }).code ?? "EUNKNOWN"} (${(e as Error).message})`;
      this.log.error(`IPVS: cannot read ${serviceKeyText(key)}, left as it is: ${reason}`);
      return reason;
    }
  }

  /** All at once (the kernel adapter sends many per message); each is logged, a refusal with the kernel's errno. */
  private run(operations: IpvsOperation[]): ApplyResult["failures"] {
    if (operations.length === 0) return [];
    let refusals: IpvsRefusal[];
    try {
      refusals = this.ipvs.applyChanges(operations);
    } catch (e) {
      // Not expected (refusals come back as data): whatever happened, none of them counts as done.
      const code = (e as { code?: string }).code ?? "EUNKNOWN";
      refusals = operations.map((_, index) => ({ index, code, message: (e as Error).message }));
    }
    const failures: ApplyResult["failures"] = [];
    let next = 0;
    operations.forEach((o, i) => {
      const refusal = refusals[next]?.index === i ? refusals[next++]! : null;
      if (refusal === null) {
        if (this.log.debugging !== false) this.log.debug(`IPVS: ${describeOperation(o)}`);
        return;
      }
      failures.push({ operation: o, code: refusal.code, message: refusal.message });
      this.log.error(`IPVS: ${describeOperation(o)} refused: ${refusal.code} (${refusal.message})`);
    });
    return failures;
  }
}
