// Real vipd daemons (the compiled executable) on a lab of network namespaces, with a client host that pings
// the VIP: what the daemon tests and the failover measurements are made of.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StatusSnapshot } from "../../src/daemon/status.ts";
import { identifyProcess, isRunning } from "../../src/lab/process-identity.ts";
import { Lab, type LabProcess } from "./harness.ts";

const root = join(import.meta.dir, "..", "..");
let binary: string | null = null;
let binaryDir: string | null = null;

const BINARY_DIR_PREFIX = "vipd-test-bin-";

/**
 * Builds vipd once per test process (so tests prove the compiled executable) into a directory named after the
 * process (PID and start time). bun test does not always run exit hooks, so each run also removes the directories
 * of runs whose process is gone: at most one ≈ 110 MB binary stays behind, until the next run.
 */
export function vipdBinary(): string {
  if (binary) return binary;
  const me = identifyProcess(process.pid);
  if (!me) throw new Error("cannot read this process's own /proc/self/stat");
  for (const name of readdirSync(tmpdir())) {
    const owner = /^(\d+)(?:-(\d+))?$/.exec(name.slice(BINARY_DIR_PREFIX.length));
    if (!name.startsWith(BINARY_DIR_PREFIX) || !owner) continue;
    const pid = Number(owner[1]);
    // Directories named by PID alone (before start times were added) go only once no process has that PID.
    const gone = owner[2] === undefined ? identifyProcess(pid) === null : !isRunning({ pid, startTicks: Number(owner[2]) });
    if (gone) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  binaryDir = join(tmpdir(), `${BINARY_DIR_PREFIX}${me.pid}-${me.startTicks}`);
  mkdirSync(binaryDir, { recursive: true });
  const out = join(binaryDir, "vipd");
  const build = Bun.spawnSync([process.execPath, join(root, "build.ts"), "--outfile", out], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build.ts failed: ${build.stderr.toString()}`);
  process.on("exit", () => binaryDir && rmSync(binaryDir, { recursive: true, force: true }));
  binary = out;
  return out;
}

export interface NodeSpec {
  name: string;
  /** The TOML of this node (instances etc.); the helpers below write the common parts. */
  config: string;
}

export class VipdCluster {
  readonly daemons = new Map<string, LabProcess>();

  private constructor(
    readonly lab: Lab,
    readonly routers: string[],
  ) {}

  static async create(routers: string[], withClient = true): Promise<VipdCluster> {
    const lab = await Lab.create({ hosts: withClient ? [...routers, "client"] : routers });
    return new VipdCluster(lab, routers);
  }

  configPath(host: string): string {
    return join(this.lab.dir, `${host}.toml`);
  }

  socketPath(host: string): string {
    return join(this.lab.dir, `${host}.sock`);
  }

  writeConfig(host: string, toml: string): void {
    writeFileSync(this.configPath(host), toml);
  }

  /** Starts vipd on a host and waits until its status socket answers. */
  async start(host: string, extraArgs: string[] = [], env: Record<string, string | null> = {}): Promise<LabProcess> {
    // stderr (warnings, errors) joins stdout so every log line is read: an unread pipe could also block the daemon.
    // `env` (null: unset the variable) and `sh` both exec: the daemon keeps the spawned PID.
    const argv = [vipdBinary(), "run", "-c", this.configPath(host), "-s", this.socketPath(host), ...extraArgs];
    const assignments = Object.entries(env).flatMap(([k, v]) => (v === null ? ["-u", k] : [`${k}=${v}`]));
    const daemon = this.lab.spawn(host, ["/usr/bin/env", ...assignments, "/bin/sh", "-c", 'exec "$0" "$@" 2>&1', ...argv]);
    this.daemons.set(host, daemon);
    await daemon.waitLine((l) => l.includes("vipd started"), 10_000);
    return daemon;
  }

  daemon(host: string): LabProcess {
    const d = this.daemons.get(host);
    if (!d) throw new Error(`vipd is not running on ${host}`);
    return d;
  }

  async status(host: string): Promise<StatusSnapshot> {
    const response = await fetch("http://vipd/status", { unix: this.socketPath(host) } as RequestInit);
    return (await response.json()) as StatusSnapshot;
  }

  async state(host: string, instance = "VI_1"): Promise<string> {
    try {
      return (await this.status(host)).instances.find((i) => i.name === instance)?.state ?? "none";
    } catch {
      return "down";
    }
  }

  /** Polls until the instance is in `state`; returns the time it took, or throws after `timeoutMs`. */
  async waitState(host: string, state: string, timeoutMs: number, instance = "VI_1"): Promise<number> {
    const started = performance.now();
    for (;;) {
      const now = await this.state(host, instance);
      if (now === state) return performance.now() - started;
      if (performance.now() - started > timeoutMs) throw new Error(`${host} ${instance} is ${now}, not ${state}, after ${timeoutMs} ms`);
      await Bun.sleep(10);
    }
  }

  holds(host: string, address: string): boolean {
    return this.lab.addressList(host).some((a) => a.startsWith(`${address}/`));
  }

  holders(address: string): string[] {
    return this.routers.filter((r) => this.holds(r, address));
  }

  /** Starts pinging `address` from the client every `intervalMs`; `finish()` stops it and returns the counts. */
  ping(address: string, intervalMs = 2, maxSeconds = 60): { finish(): Promise<{ sent: number; received: number; lost: number }> } {
    const proc = this.lab.spawn("client", [
      "ping",
      "-n",
      "-q",
      "-i",
      String(intervalMs / 1000),
      "-W",
      "1",
      "-w",
      String(maxSeconds),
      address,
    ]);
    return {
      finish: async () => {
        proc.proc.kill("SIGINT"); // ping prints its summary on SIGINT
        await Promise.race([proc.proc.exited, Bun.sleep(3000)]);
        await Bun.sleep(20);
        const summary = proc.lines.find((l) => l.includes("packets transmitted"));
        if (!summary) throw new Error(`no ping summary: ${proc.lines.join("\n")}`);
        const [sent, received] = [/(\d+) packets transmitted/, /(\d+) received/].map((re) => Number(summary.match(re)?.[1] ?? NaN)) as [
          number,
          number,
        ];
        return { sent, received, lost: sent - received };
      },
    };
  }

  async destroy(): Promise<void> {
    await this.lab.destroy();
  }
}

/** A v3 instance with a short interval (tests stay fast) on eth0. */
export function instanceToml(options: {
  name?: string;
  vrid?: number;
  priority: number;
  vip?: string;
  advertInt?: number;
  extra?: string[];
}): string {
  return [
    `[instances.${options.name ?? "VI_1"}]`,
    `interface = "eth0"`,
    `virtual_router_id = ${options.vrid ?? 51}`,
    `priority = ${options.priority}`,
    `version = 3`,
    `advert_int = ${options.advertInt ?? 0.1}`,
    `virtual_ipaddress = ["${options.vip ?? "192.0.2.100"}/24"]`,
    ...(options.extra ?? []),
    "",
  ].join("\n");
}
