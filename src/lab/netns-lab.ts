// The one builder of namespace labs, used by `vipd lab`, the benchmarks and the real-network tests: one namespace
// per host whose `eth0` is a veth joined to a bridge in a namespace of its own (or, for two hosts, one veth pair
// between them). Nothing is created in the namespace the caller runs in. Every namespace is recorded the moment it
// exists and every process the moment it starts, so destroy() (idempotent; also run at process exit) removes
// exactly what this lab made: processes by identity (PID and start time), namespaces by name.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LabProcess } from "./lab-process.ts";

const COMMAND_TIMEOUT_MS = 10_000;

export class LabCommandError extends Error {}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv and waits for it, bounded by `timeoutMs`. */
export function runCommandSync(argv: string[], timeoutMs = COMMAND_TIMEOUT_MS): CommandResult {
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  return { code: p.exitCode ?? -1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

/** Like runCommandSync, but a non-zero exit throws with the command and its stderr. */
export function mustRun(argv: string[], timeoutMs = COMMAND_TIMEOUT_MS): string {
  const r = runCommandSync(argv, timeoutMs);
  if (r.code !== 0) throw new LabCommandError(`${argv.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export interface NetnsHost {
  ns: string;
  /** eth0's MAC, fixed so link-local addresses and captures are reproducible. */
  mac: string;
  /** The bridge-side end of the host's veth, in the bridge namespace (unused without a bridge). */
  port: string;
  /** eth0's addresses in CIDR form; IPv6 ones are added without duplicate address detection. */
  addresses: string[];
}

export interface NetnsLabSpec {
  /** The lab's private directory is created under the system temp dir with this prefix. */
  dirPrefix: string;
  hosts: NetnsHost[];
  /** The namespace of the bridge joining every host; absent: exactly two hosts joined by one veth pair. */
  bridgeNs?: string;
  /**
   * "off": IPv6 disabled in every namespace (an IPv4-only lab; solicitations would only add noise to captures).
   * "static": IPv6 on, with DAD and automatic flow labels off, so addresses are usable at once and captured
   * headers match keepalived's.
   */
  ipv6: "off" | "static";
}

/** Every lab not yet destroyed, so the exit hook can remove what a crashed or forgotten run left. */
const liveLabs = new Set<NetnsLab>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const lab of [...liveLabs]) lab.destroySync();
  });
}

export class NetnsLab {
  /** A private directory for configs, sockets, pid and flag files, removed with the lab. */
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly processes = new Set<LabProcess>();
  private destroyed = false;

  constructor(readonly spec: NetnsLabSpec) {
    if (!spec.bridgeNs && spec.hosts.length !== 2) throw new Error("a lab without a bridge joins exactly two hosts");
    this.dir = mkdtempSync(join(tmpdir(), spec.dirPrefix));
    liveLabs.add(this);
    installExitHook();
  }

  /**
   * A host's eth0: a veth whose other end is the host's port on the bridge, up. At build, and again when a test
   * deleted the host's interface (its addresses are the test's to add back).
   */
  plugIntoBridge(host: NetnsHost): void {
    const bridgeNs = this.spec.bridgeNs;
    if (!bridgeNs) throw new Error("a lab without a bridge has no ports to plug into");
    mustRun([
      "ip",
      "-n",
      bridgeNs,
      "link",
      "add",
      host.port,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "address",
      host.mac,
      "netns",
      host.ns,
    ]);
    mustRun(["ip", "-n", bridgeNs, "link", "set", host.port, "master", "br0"]);
    mustRun(["ip", "-n", bridgeNs, "link", "set", host.port, "up"]);
  }

  /** Creates the namespaces, links and addresses. On failure the caller destroys the lab (removing what exists). */
  build(): void {
    if (this.destroyed) throw new Error("lab destroyed");
    const { hosts, bridgeNs } = this.spec;
    if (bridgeNs) {
      this.addNamespace(bridgeNs);
      // No STP, no forward delay: ports forward at once; no multicast snooping: adverts and ND reach every port.
      mustRun([
        "ip",
        "-n",
        bridgeNs,
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "stp_state",
        "0",
        "forward_delay",
        "0",
        "mcast_snooping",
        "0",
      ]);
      mustRun(["ip", "-n", bridgeNs, "link", "set", "br0", "up"]);
      for (const host of hosts) {
        this.addNamespace(host.ns);
        this.plugIntoBridge(host);
      }
    } else {
      const [a, b] = hosts as [NetnsHost, NetnsHost];
      this.addNamespace(a.ns);
      this.addNamespace(b.ns);
      mustRun([
        "ip",
        "-n",
        a.ns,
        "link",
        "add",
        "eth0",
        "address",
        a.mac,
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "address",
        b.mac,
        "netns",
        b.ns,
      ]);
    }
    for (const host of hosts) {
      for (const cidr of host.addresses) {
        mustRun(["ip", "-n", host.ns, "addr", "add", cidr, "dev", "eth0", ...(cidr.includes(":") ? ["nodad"] : [])]);
      }
      mustRun(["ip", "-n", host.ns, "link", "set", "eth0", "up"]);
    }
  }

  private addNamespace(name: string): void {
    mustRun(["ip", "netns", "add", name]);
    this.namespaces.push(name);
    // Set before any link exists, so every interface created later inherits it.
    const sysctls =
      this.spec.ipv6 === "off"
        ? ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]
        : ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.auto_flowlabels=0"];
    mustRun(["ip", "netns", "exec", name, "sysctl", "-qw", ...sysctls]);
    mustRun(["ip", "-n", name, "link", "set", "lo", "up"]);
  }

  /** Sets a link up or down inside one of the lab's namespaces (a host's eth0, or a port of the bridge). */
  setLink(ns: string, ifname: string, state: "up" | "down"): void {
    mustRun(["ip", "-n", ns, "link", "set", ifname, state]);
  }

  /** Runs argv inside a namespace and waits (bounded) for it. */
  execIn(ns: string, argv: string[], timeoutMs?: number): CommandResult {
    return runCommandSync(["ip", "netns", "exec", ns, ...argv], timeoutMs);
  }

  /** Like execIn, but a non-zero exit throws. */
  mustIn(ns: string, argv: string[], timeoutMs?: number): string {
    return mustRun(["ip", "netns", "exec", ns, ...argv], timeoutMs);
  }

  /** Starts argv in a namespace (`ip netns exec` execs it, so the PID is the program's own); the lab stops it. */
  spawnIn(ns: string, name: string, argv: string[], options: { onLine?: (line: string) => void; stdin?: boolean } = {}): LabProcess {
    if (this.destroyed) throw new Error("lab destroyed");
    const p = LabProcess.spawn(name, ["ip", "netns", "exec", ns, ...argv], options.onLine, { stdin: options.stdin });
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
    for (const ns of this.namespaces.splice(0).reverse()) runCommandSync(["ip", "netns", "del", ns]);
    rmSync(this.dir, { recursive: true, force: true });
    liveLabs.delete(this);
  }
}

/** Namespaces (of any run) whose name starts with `prefix`, for leak checks. */
export function namespacesWithPrefix(prefix: string): string[] {
  return mustRun(["ip", "netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(prefix));
}
