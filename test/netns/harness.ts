// A lab of network namespaces for real-network tests, built by the lab's own builder (src/lab/netns-lab.ts): one
// namespace per host, joined by veth pairs to a bridge that lives in its own namespace (or, without a bridge and
// with two hosts, by one veth pair). Nothing is ever created in the namespace the test runs in. Names carry a
// per-run prefix (`vt<pid>x<n>-`) so parallel runs never collide.
//
// Every host gets `eth0` with 192.0.2.(10+i)/24 and 2001:db8::(10+i)/64 (nodad) and a fixed MAC 02:00:5e:10:00:(10+i),
// so link-local addresses and checksums are reproducible. IPv6 DAD and automatic flow labels are off inside every
// namespace. destroy() kills every process started through the lab and deletes the namespaces; it is idempotent
// and also runs on process exit.
import type { LabProcess as BaseLabProcess } from "../../src/lab/lab-process.ts";
import { type CommandResult, mustRun, NetnsLab, namespacesWithPrefix, runCommandSync } from "../../src/lab/netns-lab.ts";

export interface LabOptions {
  hosts: string[];
  /** A bridge namespace joining every host (default true; false needs exactly two hosts: one veth pair). */
  bridge?: boolean;
}

export type ExecResult = CommandResult;

/**
 * A process started in a host namespace: the lab's own process reader (both output streams, line by line), with
 * the test-friendly wait that throws, naming the program and its last output, instead of returning null.
 */
export class LabProcess {
  constructor(
    private readonly inner: BaseLabProcess,
    readonly argv: string[],
  ) {}

  get proc() {
    return this.inner.proc;
  }

  get lines(): string[] {
    return this.inner.lines;
  }

  get pid(): number {
    return this.inner.pid;
  }

  get exited(): boolean {
    return this.inner.exited;
  }

  /** Resolves with the first line (at index ≥ `from`) matching `pred`; rejects after `timeoutMs` or at exit. */
  async waitLine(pred: (line: string) => boolean, timeoutMs: number, from = 0): Promise<{ line: string; index: number }> {
    const found = await this.inner.findLine(pred, timeoutMs, from);
    if (found) return found;
    const why = this.exited
      ? `exited (${this.proc.exitCode ?? this.proc.signalCode}) before the line came`
      : `timeout after ${timeoutMs} ms waiting for a line`;
    throw new Error(`${this.argv.join(" ")}: ${why}; last output:\n${this.inner.tail(20)}`);
  }

  write(text: string): void {
    this.inner.write(text);
  }

  closeInput(): void {
    this.inner.closeInput();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; bounded. Only this process (by its PID), never a name. */
  stop(graceMs = 2000): Promise<void> {
    return this.inner.stop(graceMs);
  }
}

let labCounter = 0;

/** Fails loudly (never skips) when the lab cannot be built: root and iproute2 are required. */
export function requireLabPrerequisites(extraTools: string[] = []): void {
  if (process.getuid?.() !== 0) throw new Error("netns tests need root (they create network namespaces)");
  for (const tool of ["ip", ...extraTools]) {
    if (!Bun.which(tool)) throw new Error(`netns tests need \`${tool}\` on PATH (apt-get install -y iproute2 keepalived tcpdump)`);
  }
}

export function macOf(index: number): string {
  return `02:00:5e:10:00:${(10 + index).toString(16).padStart(2, "0")}`;
}

export interface LinkAddr {
  family: "inet" | "inet6";
  local: string;
  prefixlen: number;
  scope: string;
  label?: string;
  broadcast?: string;
}
export interface LinkInfoJson {
  ifindex: number;
  ifname: string;
  address?: string;
  operstate?: string;
  flags: string[];
  addr_info: LinkAddr[];
}

/**
 * A test process killed outright (SIGKILL, a CI timeout) cannot run its exit hook: its namespaces stay. They carry
 * its PID (`vt<pid>x<n>-`), so any later lab removes those whose process is gone, and never a live run's.
 */
function removeOrphanedLabs(): void {
  for (const ns of namespacesWithPrefix("vt")) {
    const pid = Number(/^vt(\d+)x\d+-/.exec(ns)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still running: its own cleanup will come
    } catch {
      // gone: the namespace is an orphan
    }
    runCommandSync(["ip", "netns", "del", ns]);
  }
}

export class Lab extends NetnsLab {
  readonly prefix: string;
  readonly hosts: string[];
  readonly bridgeNs: string | undefined;

  private constructor(prefix: string, hosts: string[], bridge: boolean) {
    const bridgeNs = bridge ? `${prefix}br` : undefined;
    super({
      dirPrefix: `vipd-${prefix}`,
      bridgeNs,
      ipv6: "static",
      hosts: hosts.map((host, i) => ({
        ns: `${prefix}${host}`,
        mac: macOf(i),
        port: Lab.portName(host),
        addresses: [`${Lab.ipv4Of(i)}/24`, `${Lab.ipv6Of(i)}/64`],
      })),
    });
    this.prefix = prefix;
    this.hosts = hosts;
    this.bridgeNs = bridgeNs;
  }

  static async create(options: LabOptions): Promise<Lab> {
    requireLabPrerequisites();
    removeOrphanedLabs();
    const bridge = options.bridge ?? true;
    if (new Set(options.hosts).size !== options.hosts.length || options.hosts.length === 0)
      throw new Error("hosts must be distinct and non-empty");
    if (!bridge && options.hosts.length !== 2) throw new Error("a lab without a bridge joins exactly two hosts");
    const lab = new Lab(`vt${process.pid}x${labCounter++}-`, options.hosts, bridge);
    try {
      lab.build();
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private static ipv4Of(index: number): string {
    return `192.0.2.${10 + index}`;
  }

  private static ipv6Of(index: number): string {
    return `2001:db8::${(10 + index).toString(16)}`;
  }

  private static portName(host: string): string {
    return `p-${host}`.slice(0, 15);
  }

  /** The namespace name of a host. */
  ns(host: string): string {
    if (!this.hosts.includes(host)) throw new Error(`no host ${host} in this lab`);
    return `${this.prefix}${host}`;
  }

  index(host: string): number {
    const i = this.hosts.indexOf(host);
    if (i < 0) throw new Error(`no host ${host} in this lab`);
    return i;
  }

  ipv4(host: string): string {
    return Lab.ipv4Of(this.index(host));
  }

  ipv6(host: string): string {
    return Lab.ipv6Of(this.index(host));
  }

  mac(host: string): string {
    return macOf(this.index(host));
  }

  /** Recreates a host's eth0 (deleted by a test) on its bridge port, with its addresses, up. */
  replug(host: string): void {
    this.plugIntoBridge(this.spec.hosts[this.index(host)]!);
    this.must(host, ["ip", "addr", "add", `${this.ipv4(host)}/24`, "dev", "eth0"]);
    this.must(host, ["ip", "addr", "add", `${this.ipv6(host)}/64`, "dev", "eth0", "nodad"]);
    this.must(host, ["ip", "link", "set", "eth0", "up"]);
  }

  /** The bridge-side end of a host's veth (in the bridge namespace). */
  bridgePort(host: string): string {
    return Lab.portName(host);
  }

  /** Runs argv inside a host namespace and waits (bounded) for it. */
  exec(host: string, argv: string[], timeoutMs = 10_000): ExecResult {
    return this.execIn(this.ns(host), argv, timeoutMs);
  }

  /** Like exec, but throws on a non-zero exit. */
  must(host: string, argv: string[], timeoutMs = 10_000): string {
    return this.mustIn(this.ns(host), argv, timeoutMs);
  }

  /** Starts argv inside a host namespace (`ip netns exec` execs it, so the PID is the program's own). */
  spawn(host: string, argv: string[]): LabProcess {
    const full = ["ip", "netns", "exec", this.ns(host), ...argv];
    return new LabProcess(this.spawnIn(this.ns(host), argv[0] ?? "process", argv, { stdin: true }), full);
  }

  /** `ip -j addr show` of a host, parsed. */
  addrs(host: string, ifname = "eth0"): LinkInfoJson[] {
    return JSON.parse(mustRun(["ip", "-n", this.ns(host), "-j", "addr", "show", "dev", ifname])) as LinkInfoJson[];
  }

  /** Address strings (`192.0.2.10/24`) on a host's interface. */
  addressList(host: string, ifname = "eth0"): string[] {
    return this.addrs(host, ifname).flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
  }

  /** Sets a link up or down in a host namespace, or in the bridge namespace with host "bridge". */
  linkSet(host: string, ifname: string, state: "up" | "down"): void {
    const ns = host === "bridge" ? this.bridgeNs : this.ns(host);
    if (!ns) throw new Error("this lab has no bridge");
    this.setLink(ns, ifname, state);
  }
}
