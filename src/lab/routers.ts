// Starting and stopping the routers' daemons: vipd (this very executable, re-executed, with the lab's
// generated config) or, for `--peer keepalived`, the real keepalived. Every wait is bounded; stops go to the
// PIDs the lab started.

import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nowMs } from "./clock.ts";
import { keepalivedConf, vipdToml } from "./configs.ts";
import type { LabProcess } from "./lab-process.ts";
import { identifyProcess, type ProcessIdentity, signalProcess } from "./process-identity.ts";
import type { LabNetwork } from "./namespaces.ts";
import type { RouterPlan } from "./plan.ts";
import { selfCommand } from "../process/self-command.ts";

const START_TIMEOUT_MS = 15_000;

export { selfCommand };

/**
 * keepalived in the foreground (-n), logging to the console (-l) and not to syslog (-G), VRRP only (-P), with its
 * pid files where `path` says: parallel labs never collide, and the VRRP child can be found by its PID.
 */
export function keepalivedArgv(config: string, path: (name: string) => string): string[] {
  return [
    "keepalived",
    "-n",
    "-l",
    "-G",
    "-P",
    "-f",
    config,
    "-p",
    path("pid"),
    "-r",
    path("vrrp.pid"),
    "-c",
    path("checkers.pid"),
    "-b",
    path("bfd.pid"),
  ];
}

export class RouterDaemon {
  private proc: LabProcess | null = null;
  /** epoch ms when the last start was asked for, and when the daemon said it runs (the capture's clock). */
  startedAt = 0;
  readyAt = 0;

  constructor(
    readonly router: RouterPlan,
    private readonly net: LabNetwork,
  ) {}

  get healthFlag(): string {
    return join(this.net.dir, `${this.router.name}.healthy`);
  }

  private path(suffix: string): string {
    return join(this.net.dir, `${this.router.name}.${suffix}`);
  }

  get running(): boolean {
    return this.proc !== null && !this.proc.exited;
  }

  get process(): LabProcess | null {
    return this.proc;
  }

  /** Writes the config and the healthy flag; returns the config's path. */
  prepare(): string {
    writeFileSync(this.healthFlag, "");
    if (this.router.daemon === "keepalived") {
      writeFileSync(this.path("conf"), keepalivedConf(this.net.plan, this.router));
      // keepalived 2.2.7 leaves arp_announce alone: its base interface would then ask for the client with the
      // VIP as sender and its own MAC, and the client would take that MAC for the VIP (vipd sets it itself).
      if (this.net.plan.virtualMac) this.net.mustIn(this.router.ns, ["sysctl", "-qw", "net.ipv4.conf.eth0.arp_announce=2"]);
      return this.path("conf");
    }
    writeFileSync(this.path("toml"), vipdToml(this.net.plan, this.router, this.healthFlag, Bun.which("test") ?? "/usr/bin/test"));
    return this.path("toml");
  }

  /** Starts the daemon and waits (bounded) until it says it runs. */
  async start(): Promise<void> {
    const config = this.prepare();
    this.startedAt = nowMs();
    if (this.router.daemon === "keepalived") {
      this.proc = this.net.spawn(
        this.router,
        `keepalived on ${this.router.name}`,
        keepalivedArgv(config, (name) => this.path(name)),
      );
      await this.expectLine(/Entering (BACKUP|MASTER|FAULT) STATE/);
      return;
    }
    this.proc = this.net.spawn(this.router, `vipd on ${this.router.name}`, [
      ...selfCommand(),
      "run",
      "-c",
      config,
      "-s",
      this.path("sock"),
    ]);
    await this.expectLine(/vipd started/);
  }

  private async expectLine(pattern: RegExp): Promise<void> {
    await this.proc!.expectLine(pattern, START_TIMEOUT_MS);
    this.readyAt = nowMs();
  }

  /** Asks for a graceful stop (SIGTERM) without waiting. */
  requestStop(): void {
    this.proc?.signal("SIGTERM");
  }

  /** Graceful stop (SIGTERM) and a bounded wait for the exit, SIGKILL after; true when it exited in time. */
  async stop(timeoutMs: number): Promise<boolean> {
    const proc = this.proc;
    if (!proc) return true;
    // Identified before the stop: afterwards its PID may already name another process.
    const vrrpChild = this.router.daemon === "keepalived" ? this.identifyFromPidFile("vrrp.pid") : null;
    proc.signal("SIGTERM");
    const exited = await proc.waitExit(timeoutMs);
    if (!exited) await proc.stop(0, "SIGKILL");
    // keepalived's VRRP child exits with its parent; if not, it is stopped by the PID it recorded for this lab.
    if (vrrpChild) signalProcess(vrrpChild, "SIGKILL");
    return exited;
  }

  /** The process whose PID a daemon wrote to its pid file, if that process still runs. */
  private identifyFromPidFile(suffix: string): ProcessIdentity | null {
    const file = this.path(suffix);
    return existsSync(file) ? identifyProcess(Number(readFileSync(file, "utf8").trim())) : null;
  }

  /** The instance's state: vipd's status socket, keepalived's last "Entering ... STATE" line. */
  async state(): Promise<string> {
    if (!this.running) return "stopped";
    if (this.router.daemon === "keepalived") {
      const line = this.proc!.lines.findLast((l) => /Entering \w+ STATE/.test(l));
      return line?.match(/Entering (\w+) STATE/)?.[1] ?? "unknown";
    }
    try {
      const response = await fetch("http://vipd/status", { unix: this.path("sock"), signal: AbortSignal.timeout(2000) } as RequestInit);
      const status = (await response.json()) as { instances: Array<{ name: string; state: string }> };
      return status.instances[0]?.state ?? "unknown";
    } catch {
      return "unknown";
    }
  }

  /** Makes the health script fail: the next run finds no flag file. */
  failHealth(): void {
    rmSync(this.healthFlag, { force: true });
  }
}
