// A VRRP pair of one vipd (the compiled daemon) and one real keepalived 2.2.7 on a lab bridge, with one uniform
// view of both routers (start, state, SIGTERM, crash, link down) so the interop tests read the same whichever
// side is MASTER. Host "keepalived" is 192.0.2.10 / 2001:db8::a, host "vipd" is 192.0.2.11 / 2001:db8::b.
//
// keepalived's state comes from its log ("(VI_1) Entering MASTER STATE"), vipd's from its status socket.

import type { StatusSnapshot } from "../../src/daemon/status.ts";
import { masterDownIntervalMs, skewTimeMs } from "../../src/vrrp/timing.ts";
import type { LabProcess } from "./harness.ts";
import { requireLabPrerequisites } from "./harness.ts";
import { Keepalived } from "./keepalived.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

export type Impl = "keepalived" | "vipd";

export interface InteropConfig {
  /** How tests name it: "v3/IPv6 multicast". */
  name: string;
  version: 2 | 3;
  family: 4 | 6;
  /** Seconds: whole seconds for v2 (keepalived's minimum is 1), centisecond steps for v3. */
  advertInt: number;
  /** A password (VRRPv2 only): PASS unless `authType` says AH. */
  auth?: string;
  authType?: "PASS" | "AH";
  /** unicast_src_ip + unicast_peer instead of multicast. */
  unicast?: boolean;
  /** How a master dies without a word: its VRRP process killed, or its link (the bridge port) taken down. */
  crash: "SIGKILL" | "link down";
}

export interface NodeSettings {
  priority: number;
  nopreempt?: boolean;
}

export const INSTANCE = "VI_1";
export const VRID = 51;

export function vipOf(family: 4 | 6): string {
  return family === 4 ? "192.0.2.100" : "2001:db8::100";
}

function vipWithPrefix(family: 4 | 6): string {
  return family === 4 ? `${vipOf(4)}/24` : `${vipOf(6)}/64`;
}

export function otherImpl(impl: Impl): Impl {
  return impl === "vipd" ? "keepalived" : "vipd";
}

/** keepalived's words when it drops an advert (the format strings of keepalived 2.2.7's vrrp.c, from its binary). */
const KEEPALIVED_REJECTION =
  /invalid|mismatch|wrong version|received a \d+ auth|AH header|already processed|not present in MASTER advert|expected \d+ VIPs|not a unicast peer|not in range|too short|too long|checksum|Unknown VRID|bogus|discarding \w*icast packet|our IP address|CONFIGURATION ERROR|vrrpTrap/i;

/** The lines of a keepalived log that say it rejected an advert ("received lower priority … discarding" is normal). */
export function keepalivedRejections(lines: readonly string[]): string[] {
  return lines.filter((l) => KEEPALIVED_REJECTION.test(l));
}

/** One vrrp_instance with keepalived's syntax, plus a global_defs. */
export function keepalivedConf(
  cfg: InteropConfig,
  node: NodeSettings & { name?: string; vrid?: number; vips?: string[]; advertInt?: number; auth?: string; authType?: "PASS" | "AH" },
  addresses: { self: string; peer: string },
): string {
  const auth = node.auth ?? cfg.auth;
  const authType = node.authType ?? cfg.authType ?? "PASS";
  return [
    `vrrp_instance ${node.name ?? INSTANCE} {`,
    `    state BACKUP`,
    `    interface eth0`,
    `    version ${cfg.version}`,
    `    virtual_router_id ${node.vrid ?? VRID}`,
    `    priority ${node.priority}`,
    `    advert_int ${node.advertInt ?? cfg.advertInt}`,
    ...(node.nopreempt ? [`    nopreempt`] : []),
    ...(auth ? [`    authentication {`, `        auth_type ${authType}`, `        auth_pass ${auth}`, `    }`] : []),
    ...(cfg.unicast ? [`    unicast_src_ip ${addresses.self}`, `    unicast_peer {`, `        ${addresses.peer}`, `    }`] : []),
    `    virtual_ipaddress {`,
    ...(node.vips ?? [vipWithPrefix(cfg.family)]).map((v) => `        ${v}`),
    `    }`,
    `}`,
    "",
  ].join("\n");
}

export const KEEPALIVED_GLOBAL = `global_defs {\n    router_id keepalived-interop\n}\n`;

/** The same instance in vipd's TOML. */
export function vipdToml(
  cfg: InteropConfig,
  node: NodeSettings & { name?: string; vrid?: number; vips?: string[]; advertInt?: number; auth?: string; authType?: "PASS" | "AH" },
  addresses: { self: string; peer: string },
): string {
  const auth = node.auth ?? cfg.auth;
  const authType = node.authType ?? cfg.authType ?? "PASS";
  return [
    `[instances.${node.name ?? INSTANCE}]`,
    `state = "BACKUP"`,
    `interface = "eth0"`,
    `version = ${cfg.version}`,
    `virtual_router_id = ${node.vrid ?? VRID}`,
    `priority = ${node.priority}`,
    `advert_int = ${node.advertInt ?? cfg.advertInt}`,
    ...(node.nopreempt ? [`nopreempt = true`] : []),
    ...(auth ? [`authentication = { auth_type = "${authType}", auth_pass = "${auth}" }`] : []),
    ...(cfg.unicast ? [`unicast_src_ip = "${addresses.self}"`, `unicast_peer = ["${addresses.peer}"]`] : []),
    `virtual_ipaddress = [${(node.vips ?? [vipWithPrefix(cfg.family)]).map((v) => `"${v}"`).join(", ")}]`,
    "",
  ].join("\n");
}

/** One side of the pair, whichever implementation runs it. */
export interface Router {
  readonly impl: Impl;
  readonly host: string;
  /** Starts it as BACKUP (it waits Master_Down_Interval before anything else); resolves once its timers run. */
  start(settings: NodeSettings): Promise<void>;
  /** MASTER, BACKUP, FAULT, INIT, or "down" when it is not running. */
  state(instance?: string): Promise<string>;
  /** SIGTERM, without waiting: a MASTER sends a priority-0 advert. */
  terminate(): void;
  /** Dies without a word (SIGKILL of the process that speaks VRRP). */
  kill(): Promise<void>;
  waitExit(timeoutMs: number): Promise<void>;
  readonly running: boolean;
  /** Log lines (of every run) that say an advert from the peer was rejected. */
  rejections(): Promise<string[]>;
  /** Every log line of the current run. */
  log(): string[];
}

async function pollUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: () => string): Promise<number> {
  const started = performance.now();
  for (let n = 0; ; n++) {
    const v = await read();
    if (ok(v)) return performance.now() - started;
    if (performance.now() - started > timeoutMs || n > 100_000) throw new Error(`${what()} (last: ${String(v)}) after ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}

class KeepalivedRouter implements Router {
  readonly impl = "keepalived" as const;
  readonly host = "keepalived";
  readonly runs: Keepalived[] = [];

  constructor(private readonly pair: InteropPair) {}

  private get current(): Keepalived | undefined {
    return this.runs.at(-1);
  }

  get running(): boolean {
    return Boolean(this.current && !this.current.proc.exited);
  }

  start(settings: NodeSettings): Promise<void> {
    return this.startConfig(keepalivedConf(this.pair.cfg, settings, this.pair.addresses("keepalived")), [INSTANCE]);
  }

  /** Starts keepalived with these vrrp_instance blocks; resolves once every instance named is in BACKUP. */
  async startConfig(instances: string, names: string[]): Promise<void> {
    // A fresh name per run: its own config and pid files, so a crashed run's stale pid file is never in the way.
    const k = Keepalived.start(this.pair.lab, this.host, `keepalived-${this.runs.length + 1}`, KEEPALIVED_GLOBAL + instances);
    this.runs.push(k);
    for (const name of names) await k.waitLog(new RegExp(`\\(${name}\\) Entering BACKUP STATE`), 5000);
  }

  async state(instance = INSTANCE): Promise<string> {
    const k = this.current;
    if (!k || k.proc.exited) return "down";
    const re = new RegExp(`\\(${instance}\\) Entering (\\w+) STATE`);
    for (let i = k.proc.lines.length - 1; i >= 0; i--) {
      const m = re.exec(k.proc.lines[i]!);
      if (m) return m[1]!;
    }
    return "INIT";
  }

  terminate(): void {
    this.current?.proc.proc.kill("SIGTERM");
  }

  async kill(): Promise<void> {
    await this.current!.crash();
  }

  async waitExit(timeoutMs: number): Promise<void> {
    const k = this.current!;
    await Promise.race([k.proc.proc.exited, Bun.sleep(timeoutMs)]);
    if (!k.proc.exited) throw new Error(`keepalived did not exit within ${timeoutMs} ms`);
  }

  async rejections(): Promise<string[]> {
    return this.runs.flatMap((k) => keepalivedRejections(k.proc.lines));
  }

  log(): string[] {
    return this.current?.proc.lines ?? [];
  }

  async stopAll(): Promise<void> {
    for (const k of this.runs) await k.stop();
  }
}

class VipdRouter implements Router {
  readonly impl = "vipd" as const;
  readonly host = "vipd";
  readonly runs: LabProcess[] = [];

  constructor(private readonly pair: InteropPair) {}

  private get current(): LabProcess | undefined {
    return this.runs.at(-1);
  }

  get running(): boolean {
    return Boolean(this.current && !this.current.exited);
  }

  start(settings: NodeSettings): Promise<void> {
    return this.startConfig(vipdToml(this.pair.cfg, settings, this.pair.addresses("vipd")));
  }

  /** Starts vipd with this TOML; resolves once it logged "vipd started" (its instances are running). */
  async startConfig(toml: string): Promise<void> {
    const c = this.pair.cluster;
    c.writeConfig(this.host, toml);
    this.runs.push(await c.start(this.host));
  }

  async state(instance = INSTANCE): Promise<string> {
    if (!this.running) return "down";
    return this.pair.cluster.state(this.host, instance);
  }

  status(): Promise<StatusSnapshot> {
    return this.pair.cluster.status(this.host);
  }

  terminate(): void {
    this.current?.proc.kill("SIGTERM");
  }

  async kill(): Promise<void> {
    const d = this.current!;
    d.proc.kill("SIGKILL");
    await Promise.race([d.proc.exited, Bun.sleep(2000)]);
    if (!d.exited) throw new Error("vipd did not exit after SIGKILL");
  }

  async waitExit(timeoutMs: number): Promise<void> {
    const d = this.current!;
    await Promise.race([d.proc.exited, Bun.sleep(timeoutMs)]);
    if (!d.exited) throw new Error(`vipd did not exit within ${timeoutMs} ms`);
  }

  /** Its log's "dropped:" lines (every run) and, while it runs, the drop counters of its status. */
  async rejections(): Promise<string[]> {
    const found = this.runs.flatMap((d) => d.lines.filter((l) => l.includes("dropped:")));
    if (this.running) {
      const s = await this.status();
      for (const i of s.instances) if (Object.keys(i.drops).length > 0) found.push(`status ${i.name} drops ${JSON.stringify(i.drops)}`);
      if (Object.keys(s.unattributedDrops).length > 0) found.push(`status unattributedDrops ${JSON.stringify(s.unattributedDrops)}`);
    }
    return found;
  }

  log(): string[] {
    return this.current?.lines ?? [];
  }
}

export class InteropPair {
  readonly keepalived: KeepalivedRouter;
  readonly vipd: VipdRouter;

  private constructor(
    readonly cfg: InteropConfig,
    readonly cluster: VipdCluster,
  ) {
    this.keepalived = new KeepalivedRouter(this);
    this.vipd = new VipdRouter(this);
  }

  static async create(cfg: InteropConfig): Promise<InteropPair> {
    requireLabPrerequisites(["keepalived"]);
    vipdBinary();
    return new InteropPair(cfg, await VipdCluster.create(["keepalived", "vipd"], false));
  }

  get lab() {
    return this.cluster.lab;
  }

  router(impl: Impl): Router {
    return impl === "vipd" ? this.vipd : this.keepalived;
  }

  /** The addresses one side uses for itself and for its unicast peer (multicast ignores them). */
  addresses(impl: Impl): { self: string; peer: string } {
    const addr = (host: Impl) => (this.cfg.family === 4 ? this.lab.ipv4(host) : this.lab.ipv6(host));
    return { self: addr(impl), peer: addr(otherImpl(impl)) };
  }

  /** The source address the other side sees on this side's adverts (IPv6 multicast: the link-local address). */
  advertSource(impl: Impl): string {
    if (this.cfg.family === 4 || this.cfg.unicast) return this.addresses(impl).self;
    return this.linkLocal(impl);
  }

  linkLocal(impl: Impl): string {
    const ll = this.lab.addrs(impl)[0]?.addr_info.find((a) => a.family === "inet6" && a.scope === "link");
    if (!ll) throw new Error(`no link-local address on ${impl}`);
    return ll.local;
  }

  get vip(): string {
    return vipOf(this.cfg.family);
  }

  /** The hosts that hold the VIP right now (`ip addr`). */
  vipHolders(): Impl[] {
    return (["keepalived", "vipd"] as const).filter((h) => this.lab.addressList(h).some((a) => a.startsWith(`${this.vip}/`)));
  }

  get advertIntervalCs(): number {
    return Math.round(this.cfg.advertInt * 100);
  }

  masterDownIntervalMs(priority: number): number {
    return masterDownIntervalMs(this.cfg.version, priority, this.advertIntervalCs);
  }

  skewTimeMs(priority: number): number {
    return skewTimeMs(this.cfg.version, priority, this.advertIntervalCs);
  }

  /** Polls one side until it is in `state`; the time it took. */
  waitState(impl: Impl, state: string, timeoutMs: number, instance = INSTANCE): Promise<number> {
    const r = this.router(impl);
    return pollUntil(
      () => r.state(instance),
      (s) => s === state,
      timeoutMs,
      () => `${impl} ${instance} is not ${state}`,
    );
  }

  linkSet(impl: Impl, state: "up" | "down"): void {
    this.lab.linkSet("bridge", this.lab.bridgePort(impl), state);
  }

  async destroy(): Promise<void> {
    await this.keepalived.stopAll();
    await this.cluster.destroy();
  }
}
