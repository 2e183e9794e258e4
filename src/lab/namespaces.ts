// The lab's network: one namespace per host, each host's eth0 a veth whose other end is a port of a bridge that
// lives in a namespace of its own. Nothing is created in the namespace vipd lab runs in. Every namespace is
// recorded the moment it exists and every process the moment it starts, so destroy() (idempotent, also on
// Ctrl-C and at exit) removes exactly what this run made: processes by PID, namespaces by name.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LabProcess } from "./lab-process.ts";
import type { HostPlan, LabPlan } from "./plan.ts";

const IP_TIMEOUT_MS = 10_000;

export class LabCommandError extends Error {}

function run(argv: string[]): { code: number; stdout: string; stderr: string } {
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: IP_TIMEOUT_MS });
  return { code: p.exitCode ?? -1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

function must(argv: string[]): string {
  const r = run(argv);
  if (r.code !== 0) throw new LabCommandError(`${argv.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export class LabNetwork {
  /** A private directory for configs, sockets and flag files, removed with the lab. */
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly processes = new Set<LabProcess>();
  private destroyed = false;

  constructor(readonly plan: LabPlan) {
    this.dir = mkdtempSync(join(tmpdir(), `${plan.prefix}-`));
  }

  get hosts(): HostPlan[] {
    return [...this.plan.routers, this.plan.client];
  }

  private addNamespace(name: string): void {
    must(["ip", "netns", "add", name]);
    this.namespaces.push(name);
    // IPv6 off: the lab is IPv4 only and router/neighbour solicitations would only add noise to the link.
    must(["ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
    must(["ip", "-n", name, "link", "set", "lo", "up"]);
  }

  build(): void {
    if (this.destroyed) throw new Error("lab destroyed");
    const br = this.plan.bridgeNs;
    this.addNamespace(br);
    // No STP, no forward delay: ports forward at once; no multicast snooping: adverts reach every port.
    must(["ip", "-n", br, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0"]);
    must(["ip", "-n", br, "link", "set", "br0", "up"]);
    for (const host of this.hosts) {
      this.addNamespace(host.ns);
      must(["ip", "-n", br, "link", "add", host.port, "type", "veth", "peer", "name", "eth0", "address", host.mac, "netns", host.ns]);
      must(["ip", "-n", br, "link", "set", host.port, "master", "br0"]);
      must(["ip", "-n", br, "link", "set", host.port, "up"]);
      must(["ip", "-n", host.ns, "addr", "add", `${host.ipv4}/${this.plan.prefixLength}`, "dev", "eth0"]);
      must(["ip", "-n", host.ns, "link", "set", "eth0", "up"]);
    }
  }

  /** Cuts (or restores) a host's cable at the bridge: the host sees its carrier go, as with a pulled cable. */
  setPort(host: HostPlan, state: "up" | "down"): void {
    must(["ip", "-n", this.plan.bridgeNs, "link", "set", host.port, state]);
  }

  /** Starts argv in a host's namespace; the process is the lab's to stop. */
  spawn(host: HostPlan, name: string, argv: string[], onLine?: (line: string) => void): LabProcess {
    if (this.destroyed) throw new Error("lab destroyed");
    const p = LabProcess.spawn(name, ["ip", "netns", "exec", host.ns, ...argv], onLine);
    this.processes.add(p);
    return p;
  }

  /** Stops every process the lab started (TERM, then KILL after `graceMs`), then removes namespaces and files. */
  async destroy(graceMs = 1500): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all([...this.processes].map((p) => p.stop(graceMs)));
    this.destroySync();
  }

  /** What can be done without waiting (the exit hook cannot await): SIGKILL what is left, delete, remove. */
  destroySync(): void {
    this.destroyed = true;
    for (const p of this.processes) p.signal("SIGKILL");
    this.processes.clear();
    // A namespace outlives its name while a process is in it; those were killed above.
    for (const ns of this.namespaces.splice(0).reverse()) run(["ip", "netns", "del", ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Namespaces (of any run) whose name starts with `prefix`. */
export function namespacesWithPrefix(prefix: string): string[] {
  return must(["ip", "netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(prefix));
}
