// One router's daemon in the benchmark: the vipd binary under test or keepalived, both started the same way
// (`ip netns exec`, so the PID is the daemon's own) with the same instances. Every wait is bounded.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nowMs } from "../../../src/lab/clock.ts";
import type { LabProcess } from "../../../src/lab/lab-process.ts";
import type { LabNetwork } from "../../../src/lab/namespaces.ts";
import type { HostPlan, PeerKind } from "../../../src/lab/plan.ts";
import { identifyProcess, type ProcessIdentity, signalProcess } from "../../../src/lab/process-identity.ts";
import { keepalivedArgv } from "../../../src/lab/routers.ts";
import type { StatusSnapshot } from "../../../src/daemon/status.ts";
import { keepalivedConf, vipdToml, type RouterConfig } from "./configs.ts";
import type { BenchRegistry } from "./registry.ts";

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export class BenchDaemon {
  private proc: LabProcess | null = null;
  private vrrpChild: ProcessIdentity | null = null;
  /** epoch ms when the daemon said it runs. */
  readyAt = 0;

  constructor(
    readonly kind: PeerKind,
    readonly host: HostPlan,
    readonly config: RouterConfig,
    private readonly net: LabNetwork,
    private readonly registry: BenchRegistry,
    private readonly vipdBinary: string,
  ) {}

  private path(suffix: string): string {
    return join(this.net.dir, `${this.host.name}.${suffix}`);
  }

  get socket(): string {
    return this.path("sock");
  }

  get running(): boolean {
    return this.proc !== null && !this.proc.exited;
  }

  get process(): LabProcess | null {
    return this.proc;
  }

  /** The PIDs whose CPU and memory are the daemon's: vipd's one, keepalived's parent and VRRP child. */
  get pids(): number[] {
    if (!this.proc) return [];
    return this.vrrpChild ? [this.proc.pid, this.vrrpChild.pid] : [this.proc.pid];
  }

  async start(): Promise<void> {
    if (this.kind === "keepalived") {
      const conf = this.path("conf");
      writeFileSync(conf, keepalivedConf(this.config));
      this.proc = this.net.spawn(
        this.host,
        `keepalived on ${this.host.name}`,
        keepalivedArgv(conf, (name) => this.path(name)),
      );
      await this.expectLine(/Entering (BACKUP|MASTER|FAULT) STATE/);
      this.vrrpChild = identifyProcess(await this.readChildPid());
      if (!this.vrrpChild) throw new Error(`keepalived's VRRP child on ${this.host.name} exited as soon as it started`);
      this.registry.track(this.vrrpChild);
      return;
    }
    const toml = this.path("toml");
    writeFileSync(toml, vipdToml(this.config));
    this.proc = this.net.spawn(this.host, `vipd on ${this.host.name}`, [this.vipdBinary, "run", "-c", toml, "-s", this.socket]);
    await this.expectLine(/vipd started/);
  }

  private async expectLine(pattern: RegExp): Promise<void> {
    await this.proc!.expectLine(pattern, START_TIMEOUT_MS);
    this.readyAt = nowMs();
  }

  /** keepalived writes its VRRP child's PID file just after forking it; bounded wait. */
  private async readChildPid(): Promise<number> {
    const file = this.path("vrrp.pid");
    for (let i = 0; i < 100; i++) {
      if (existsSync(file)) {
        const pid = Number(readFileSync(file, "utf8").trim());
        if (pid > 1) return pid;
      }
      await Bun.sleep(20);
    }
    throw new Error(`keepalived on ${this.host.name} wrote no VRRP child PID to ${file}`);
  }

  /** SIGTERM without waiting: the graceful stop being measured. */
  requestStop(): void {
    this.proc?.signal("SIGTERM");
  }

  /** SIGTERM, bounded wait, SIGKILL; the keepalived child by its PID if it outlived its parent. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<boolean> {
    const proc = this.proc;
    if (!proc) return true;
    proc.signal("SIGTERM");
    const exited = await proc.waitExit(timeoutMs);
    if (!exited) await proc.stop(0, "SIGKILL");
    if (this.vrrpChild) signalProcess(this.vrrpChild, "SIGKILL");
    return exited;
  }

  /** vipd's live status (null for keepalived, or when the socket does not answer within 2 s). */
  async status(): Promise<StatusSnapshot | null> {
    if (this.kind !== "vipd" || !this.running) return null;
    try {
      const response = await fetch("http://vipd/status", { unix: this.socket, signal: AbortSignal.timeout(2000) } as RequestInit);
      return (await response.json()) as StatusSnapshot;
    } catch {
      return null;
    }
  }
}
