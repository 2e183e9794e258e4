// The world the fault tests break: a vipd pair (a at priority 150, b at 100; one v3 instance at 0.1 s) on a
// bridge, a client pinging the VIP, and the checks every fault must pass once it clears: exactly one MASTER, the
// VIP on that node only, each daemon's descriptor count back where it was, and the client reaching the VIP.

import { readdirSync, readFileSync } from "node:fs";
import { ClientProbe } from "./client-probe.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

export const ADVERT_INTERVAL_MS = 100;
/** v3 at 0.1 s, priority 100: 3 × 100 ms + skew (≤ 100 ms). */
export const MDI_MAX_MS = 400;

export type Family = 4 | 6;

export const VIP: Record<Family, string> = { 4: "192.0.2.100", 6: "2001:db8::100" };
const VIP_CIDR: Record<Family, string> = { 4: "192.0.2.100/24", 6: "2001:db8::100/64" };

export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Anonymous memory of a process in KiB (/proc/PID/smaps_rollup), the part a leak on the heap would grow. */
export function anonymousKiB(pid: number): number {
  const match = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
  if (!match) throw new Error(`no Anonymous line in /proc/${pid}/smaps_rollup`);
  return Number(match[1]);
}

/** One node's instance: v3 at 0.1 s with the family's VIP, plus any extra TOML lines (instance keys, then tables). */
export function nodeToml(options: { priority: number; family: Family; instanceExtra?: string[]; tables?: string[] }): string {
  return [
    "[instances.VI_1]",
    `interface = "eth0"`,
    "virtual_router_id = 51",
    `priority = ${options.priority}`,
    "version = 3",
    `advert_int = ${ADVERT_INTERVAL_MS / 1000}`,
    `virtual_ipaddress = ["${VIP_CIDR[options.family]}"]`,
    ...(options.instanceExtra ?? []),
    "",
    ...(options.tables ?? []),
    "",
  ].join("\n");
}

export const ROUTERS = ["a", "b"] as const;

export class FaultWorld {
  probe: ClientProbe | null = null;
  /** Descriptor counts of each daemon in the steady state, before the fault. */
  readonly baselineFds = new Map<string, number>();

  private constructor(
    readonly cluster: VipdCluster,
    readonly family: Family,
  ) {}

  static async create(family: Family): Promise<FaultWorld> {
    vipdBinary();
    return new FaultWorld(await VipdCluster.create([...ROUTERS]), family);
  }

  get vip(): string {
    return VIP[this.family];
  }

  get lab() {
    return this.cluster.lab;
  }

  pid(host: string): number {
    return this.cluster.daemon(host).pid;
  }

  /** Starts a (MASTER) then b (BACKUP), lets them settle, starts the client's pings and records the baselines. */
  async startSteady(configs: Record<(typeof ROUTERS)[number], string>): Promise<void> {
    const c = this.cluster;
    for (const host of ROUTERS) c.writeConfig(host, configs[host]);
    await c.start("a");
    await c.waitState("a", "MASTER", 3000);
    await c.start("b");
    await c.waitState("b", "BACKUP", 3000);
    this.probe = ClientProbe.start(this.lab, "client", this.vip, 120);
    await this.probe.waitAnswered(Date.now(), 3000);
    // Give lazily opened descriptors (status server, script pipes) time to appear before counting.
    await Bun.sleep(3 * ADVERT_INTERVAL_MS);
    await this.cluster.status("a");
    await this.cluster.status("b");
    // The fewest seen over a while: a health check's run holds a few descriptors (its pipe, its process) while it lasts.
    for (const host of ROUTERS) this.baselineFds.set(host, fdCount(this.pid(host)));
    for (let i = 0; i < 30; i++) {
      await Bun.sleep(20);
      for (const host of ROUTERS) this.baselineFds.set(host, Math.min(this.baselineFds.get(host)!, fdCount(this.pid(host))));
    }
  }

  /** The instance's state on every router. */
  async states(): Promise<Record<string, string>> {
    const entries = await Promise.all(ROUTERS.map(async (h) => [h, await this.cluster.state(h)] as const));
    return Object.fromEntries(entries);
  }

  /**
   * The checks after a fault cleared at `clearedWallMs`: within `settleMs`, and then for a whole
   * Master_Down_Interval + one interval (a deaf BACKUP would take over by then), exactly one MASTER (`master`),
   * the VIP on it alone, every daemon's fd count back to its baseline; returns how long after the clearing the
   * client reached the VIP for good (null: it did not).
   */
  async settledChecks(master: string, clearedWallMs: number, settleMs: number): Promise<{ reachedMs: number | null; problems: string[] }> {
    const problems: string[] = [];
    const deadline = performance.now() + settleMs;
    const stableFor = MDI_MAX_MS + ADVERT_INTERVAL_MS;
    let goodSince: number | null = null;
    let states: Record<string, string> = {};
    let holders: string[] = [];
    let fds: Record<string, number> = {};
    const statesRight = () => ROUTERS.every((h) => states[h] === (h === master ? "MASTER" : "BACKUP"));
    const good = () =>
      statesRight() && holders.length === 1 && holders[0] === master && ROUTERS.every((h) => fds[h] === this.baselineFds.get(h));
    for (;;) {
      states = await this.states();
      holders = this.cluster.holders(this.vip);
      fds = Object.fromEntries(ROUTERS.map((h) => [h, fdCount(this.pid(h))]));
      const now = performance.now();
      goodSince = good() ? (goodSince ?? now) : null;
      if ((goodSince !== null && now - goodSince >= stableFor) || now > deadline + stableFor) break;
      await Bun.sleep(50);
    }
    if (!statesRight()) problems.push(`states ${JSON.stringify(states)}, want ${master} the one MASTER and the other BACKUP`);
    if (holders.length !== 1 || holders[0] !== master) problems.push(`VIP held by [${holders.join(", ")}], want [${master}]`);
    for (const h of ROUTERS)
      if (fds[h] !== this.baselineFds.get(h)) problems.push(`${h}: ${fds[h]} descriptors, ${this.baselineFds.get(h)} before the fault`);
    // A last stretch of probes after the settling, so "for good" means something.
    await Bun.sleep(5 * ADVERT_INTERVAL_MS);
    return { reachedMs: this.probe?.reachedAfter(clearedWallMs) ?? null, problems };
  }

  async destroy(): Promise<void> {
    await this.probe?.stop();
    await this.cluster.destroy();
  }
}
