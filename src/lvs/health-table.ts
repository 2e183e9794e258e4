// What the daemon knows of every distinct check (keyed as the checker runs them) and so of every real server:
// the checker's last verdict, the weight a dynamic check asked for, and the last result for status. A reload
// keeps the state of checks it keeps; a new check starts as keepalived starts it (up, or down under alpha).

import { type CheckDefinition, type FileCheck, probeKey, type ProbedCheck } from "../check/check-definition.ts";
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
  /** What a FILE_CHECK adds to the real server's weight (0 for every other kind). */
  weightDelta: number;
  last: CheckReport | null;
  /** Real servers using it, as "VS real_servers[i]" (for the log and status). */
  users: string[];
  /** The same, as the virtual server's name and the real server's index. */
  servers: { virtualServer: string; index: number }[];
  /** One of its users asks for every failed run to be logged (log_all_failures). */
  logAllFailures: boolean;
}

export interface RecordResult {
  /** The check's verdict flipped (logged once by the caller, with the reason). */
  flipped: boolean;
  /** A real server's life or weight may have changed: the IPVS table needs reconciling. */
  tableChanged: boolean;
}

const NO_KEYS: string[] = [];

export class HealthTable {
  private readonly checks = new Map<string, CheckHealth>();
  /** Per virtual server, per real server index: the keys of its checks. */
  private keys = new Map<string, string[][]>();
  private ids = new Map<string, Ids>();

  /** Takes the checks of a new config; `ids` are the users MISC_CHECK programs run as, by key. */
  configure(config: Pick<VipdConfig, "virtualServers">, ids: Map<string, Ids>): void {
    const keys = new Map<string, string[][]>();
    const seen = new Map<
      string,
      { definition: CheckDefinition; users: string[]; servers: CheckHealth["servers"]; logAllFailures: boolean }
    >();
    for (const vs of config.virtualServers) {
      keys.set(
        vs.name,
        vs.realServers.map((rs, i) =>
          rs.checks.length === 0
            ? NO_KEYS
            : rs.checks.map(({ definition, logAllFailures }) => {
                const key = probeKey(definition);
                const entry = seen.get(key) ?? { definition, users: [], servers: [], logAllFailures: false };
                entry.logAllFailures ||= logAllFailures;
                entry.users.push(`${vs.name} ${rs.address}${rs.port === null ? "" : `:${rs.port}`} (real_servers[${i}])`);
                entry.servers.push({ virtualServer: vs.name, index: i });
                seen.set(key, entry);
                return key;
              }),
        ),
      );
    }
    for (const key of this.checks.keys()) if (!seen.has(key)) this.checks.delete(key);
    for (const [key, { definition, users, servers, logAllFailures }] of seen) {
      const known = this.checks.get(key);
      if (known) Object.assign(known, { users, servers, logAllFailures });
      else {
        const up = definition.kind === "FILE_CHECK" || !definition.timing.alpha;
        this.checks.set(key, { definition, up, weight: null, weightDelta: 0, last: null, users, servers, logAllFailures });
      }
    }
    this.keys = keys;
    this.ids = ids;
  }

  /**
   * The checker's plan: every distinct probed check once, with the state known of it; none used only by
   * `suspended` ones. FILE_CHECKs are not probed: the daemon reads their files (fileChecks()).
   */
  plan(suspended: ReadonlySet<string> = new Set()): PlannedCheck[] {
    const out: PlannedCheck[] = [];
    for (const [key, c] of this.checks) {
      if (c.definition.kind === "FILE_CHECK" || !c.servers.some((s) => !suspended.has(s.virtualServer))) continue;
      out.push({ key, definition: c.definition as ProbedCheck, knownUp: c.last === null ? null : c.up, ...this.ids.get(key) });
    }
    return out;
  }

  /** Every distinct FILE_CHECK, by key. */
  fileChecks(): { key: string; definition: FileCheck }[] {
    const out: { key: string; definition: FileCheck }[] = [];
    for (const [key, c] of this.checks) if (c.definition.kind === "FILE_CHECK") out.push({ key, definition: c.definition });
    return out;
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

  /** A FILE_CHECK's verdict: its state, and what it adds to the weight while up. */
  recordFile(report: CheckReport, weightDelta: number): RecordResult & { weightChanged: boolean } {
    const check = this.checks.get(report.key);
    if (check === undefined) return { flipped: false, tableChanged: false, weightChanged: false };
    const before = check.weightDelta;
    const result = this.record(report);
    check.weightDelta = report.up ? weightDelta : 0;
    const weightChanged = before !== check.weightDelta;
    return { ...result, tableChanged: result.tableChanged || weightChanged, weightChanged };
  }

  get(key: string): CheckHealth | undefined {
    return this.checks.get(key);
  }

  get size(): number {
    return this.checks.size;
  }

  readonly lookup: HealthLookup = (virtualServer, index, server) => {
    const keys = this.keys.get(virtualServer)?.[index];
    // Without checks a real server is up at its configured weight (the common case, looked up on every reload).
    if (keys === undefined || keys.length === 0) return { alive: true, weight: server.weight };
    return serverHealth(
      server.weight,
      keys.map((k) => {
        const c = this.checks.get(k);
        return { up: c?.up ?? true, weight: c?.weight ?? null, weightDelta: c?.weightDelta ?? 0 };
      }),
    );
  };
}
