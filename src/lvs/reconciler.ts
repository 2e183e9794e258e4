// Keeps the kernel's IPVS table in step with [virtual_servers]: each apply (start, reload) reads the table, works
// out the difference and carries it out, one operation at a time; stop removes vipd's services or keeps them.
//
// Ownership is the set of services the configuration names, recorded (owned-services.ts) so that it outlives a
// crash: vipd never touches another service. A start adopts the services it finds that the configuration names
// (edited in place, connections kept) and removes those it recorded that the configuration no longer names.

import { type Ipvs, type IpvsRefusal, type Service, serviceKeyText } from "../adapters/ipvs.ts";
import type { VipdConfig } from "../config/schema.ts";
import type { Log } from "../daemon/log.ts";
import { ALL_UP, desiredTable, type HealthLookup, type QuorumStates, serviceNames } from "./desired-table.ts";
import { NO_RECORD, type OwnedServices } from "./owned-services.ts";
import { describeOperation, diffTables, type IpvsOperation } from "./table-diff.ts";

export interface ApplyResult {
  /** The operations carried out, in order (failed ones included). */
  operations: IpvsOperation[];
  /** Those the kernel refused, with its errno name; each was logged. */
  failures: { operation: IpvsOperation; code: string; message: string }[];
  /** The table could not be read (nothing was changed): the kernel's errno name and message; logged. */
  unreadable: string | null;
}

export class IpvsReconciler {
  /** Services set up (or adopted) by the last apply: a reload that drops one removes it. */
  private owned: Set<string>;
  private readonly quorum: QuorumStates = new Map();

  constructor(
    private readonly ipvs: Ipvs,
    private readonly log: Log,
    private readonly record: OwnedServices = NO_RECORD,
  ) {
    this.owned = new Set(record.load());
  }

  /** At start and reload: the timeouts, then the table. */
  apply(
    config: Pick<VipdConfig, "virtualServers" | "virtualServerGroups"> & { global: Pick<VipdConfig["global"], "lvsTimeouts"> },
    health: HealthLookup = ALL_UP,
  ): ApplyResult {
    this.applyTimeouts(config.global.lvsTimeouts);
    return this.reconcile(config, health);
  }

  /** When a real server's health changed: the table only. */
  reconcile(config: Pick<VipdConfig, "virtualServers" | "virtualServerGroups">, health: HealthLookup = ALL_UP): ApplyResult {
    for (const name of this.quorum.keys()) if (!config.virtualServers.some((vs) => vs.name === name)) this.quorum.delete(name);
    const desired = desiredTable(config.virtualServers, config.virtualServerGroups, this.quorum, health);
    const current = this.readTable();
    if (typeof current === "string") return { operations: [], failures: [], unreadable: current };
    const operations = diffTables(desired, current, this.owned);
    const failures = this.run(operations);
    const wanted = serviceNames(desired);
    // A service whose removal failed is still ours: the next apply tries again.
    for (const f of failures) if (f.operation.op === "deleteService") wanted.add(serviceKeyText(f.operation.service));
    this.owned = wanted;
    this.record.save([...wanted]);
    if (operations.length > 0) this.log.info(`IPVS: ${operations.length - failures.length} of ${operations.length} changes applied`);
    return { operations, failures, unreadable: null };
  }

  /** Whether the virtual server had quorum at the last reconcile (undefined: not known). */
  quorumOf(virtualServer: string): boolean | undefined {
    return this.quorum.get(virtualServer);
  }

  /** At stop: "remove" deletes vipd's services (keepalived's way); "keep" leaves them serving for the next start. */
  stop(mode: "remove" | "keep"): ApplyResult {
    if (mode === "keep") {
      this.log.info(`IPVS: keeping ${this.owned.size} services at stop (lvs_on_stop = "keep")`);
      return { operations: [], failures: [], unreadable: null };
    }
    const current = this.readTable();
    if (typeof current === "string") return { operations: [], failures: [], unreadable: current };
    const operations = diffTables([], current, this.owned);
    const failures = this.run(operations);
    this.owned = new Set(failures.filter((f) => f.operation.op === "deleteService").map((f) => serviceKeyText(f.operation.service)));
    this.record.save([...this.owned]);
    return { operations, failures, unreadable: null };
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

  private readTable(): Service[] | string {
    try {
      return this.ipvs.services({ counters: false });
    } catch (e) {
      const reason = `${(e as { code?: string }).code ?? "EUNKNOWN"} (${(e as Error).message})`;
      this.log.error(`IPVS: cannot read the table, nothing changed: ${reason}`);
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
        this.log.debug(`IPVS: ${describeOperation(o)}`);
        return;
      }
      failures.push({ operation: o, code: refusal.code, message: refusal.message });
      this.log.error(`IPVS: ${describeOperation(o)} refused: ${refusal.code} (${refusal.message})`);
    });
    return failures;
  }
}
