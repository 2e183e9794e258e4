// What the daemon knows of every distinct check (keyed as the checker runs them) and so of every real server:
// the checker's last verdict, the weight a dynamic check asked for, and the last result for status. A reload
// keeps the state of checks it keeps; a new check starts as keepalived starts it (up, or down under alpha).

import { type CheckDefinition, probeKey } from "../check/check-definition.ts";
import type { CheckReport, PlannedCheck } from "../check/check-runner.ts";
import { serverHealth } from "../check/server-health.ts";
import type { Ids } from "../adapters/user-lookup.ts";
import type { VipdConfig } from "../config/schema.ts";
import type { HealthLookup } from "./desired-table.ts";

export interface CheckHealth {
  definition: CheckDefinition;
  up: boolean;
  /** The weight a dynamic check asked for; null: the configured one. */
  weight: number | null;
  last: CheckReport | null;
  /** Real servers using it, as "VS real_servers[i]" (for the log and status). */
  users: string[];
  /** The same, as the virtual server's name and the real server's index. */
  servers: { virtualServer: string; index: number }[];
}

export interface RecordResult {
  /** The check's verdict flipped (logged once by the caller, with the reason). */
  flipped: boolean;
  /** A real server's life or weight may have changed: the IPVS table needs reconciling. */
  tableChanged: boolean;
}

export class HealthTable {
  private readonly checks = new Map<string, CheckHealth>();
  /** Per virtual server, per real server index: the keys of its checks. */
  private keys = new Map<string, string[][]>();
  private ids = new Map<string, Ids>();

  /** Takes the checks of a new config; `ids` are the users MISC_CHECK programs run as, by key. */
  configure(config: Pick<VipdConfig, "virtualServers">, ids: Map<string, Ids>): void {
    const keys = new Map<string, string[][]>();
    const seen = new Map<string, { definition: CheckDefinition; users: string[]; servers: CheckHealth["servers"] }>();
    for (const vs of config.virtualServers) {
      keys.set(
        vs.name,
        vs.realServers.map((rs, i) =>
          rs.checks.map(({ definition }) => {
            const key = probeKey(definition);
            const entry = seen.get(key) ?? { definition, users: [], servers: [] };
            entry.users.push(`${vs.name} ${rs.address}${rs.port === null ? "" : `:${rs.port}`} (real_servers[${i}])`);
            entry.servers.push({ virtualServer: vs.name, index: i });
            seen.set(key, entry);
            return key;
          }),
        ),
      );
    }
    for (const key of this.checks.keys()) if (!seen.has(key)) this.checks.delete(key);
    for (const [key, { definition, users, servers }] of seen) {
      const known = this.checks.get(key);
      if (known) Object.assign(known, { users, servers });
      else this.checks.set(key, { definition, up: !definition.timing.alpha, weight: null, last: null, users, servers });
    }
    this.keys = keys;
    this.ids = ids;
  }

  /** The checker's plan: every distinct check once, with the state known of it; none used only by `suspended` ones. */
  plan(suspended: ReadonlySet<string> = new Set()): PlannedCheck[] {
    return [...this.checks]
      .filter(([, c]) => c.servers.some((s) => !suspended.has(s.virtualServer)))
      .map(([key, c]) => ({ key, definition: c.definition, knownUp: c.last === null ? null : c.up, ...this.ids.get(key) }));
  }

  record(report: CheckReport): RecordResult {
    const check = this.checks.get(report.key);
    if (check === undefined) return { flipped: false, tableChanged: false };
    const before = { up: check.up, weight: check.weight };
    check.last = report;
    check.up = report.up;
    // A dynamic weight holds through retries and is dropped when the check is down, as keepalived does.
    if (report.ok) check.weight = report.weight;
    else if (!report.up) check.weight = null;
    const flipped = before.up !== check.up;
    return { flipped, tableChanged: flipped || before.weight !== check.weight };
  }

  get(key: string): CheckHealth | undefined {
    return this.checks.get(key);
  }

  get size(): number {
    return this.checks.size;
  }

  readonly lookup: HealthLookup = (virtualServer, index, server) => {
    const keys = this.keys.get(virtualServer)?.[index] ?? [];
    return serverHealth(
      server.weight,
      keys.map((k) => {
        const c = this.checks.get(k);
        return { up: c?.up ?? true, weight: c?.weight ?? null };
      }),
    );
  };
}
