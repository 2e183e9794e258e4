// A lab of network namespaces for real-network tests: one namespace per host, joined by veth pairs to a bridge that
// lives in its own namespace (or, without a bridge and with two hosts, by one veth pair). Nothing is ever created in
// the namespace the test runs in. Names carry a per-run prefix (`vt<pid>x<n>-`) so parallel runs never collide.
//
// Every host gets `eth0` with 192.0.2.(10+i)/24 and 2001:db8::(10+i)/64 (nodad) and a fixed MAC 02:00:5e:10:00:(10+i),
// so link-local addresses and checksums are reproducible. IPv6 DAD and automatic flow labels are off inside every
// namespace. destroy() kills every process started through the lab (by PID) and deletes the namespaces; it is
// idempotent and also runs on process exit.
import { mkdtempSync, rmSync } from "node:fs";
import { LabProcess as BaseLabProcess } from "../../src/lab/lab-process.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LabOptions {
  hosts: string[];
  /** A bridge namespace joining every host (default true; false needs exactly two hosts: one veth pair). */
  bridge?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

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
const liveLabs = new Set<Lab>();
let exitHookInstalled = false;

function run(argv: string[], timeoutMs = 10_000): ExecResult {
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  return { code: p.exitCode ?? -1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

function must(argv: string[], timeoutMs?: number): string {
  const r = run(argv, timeoutMs);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

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

export class Lab {
  readonly prefix: string;
  readonly hosts: string[];
  readonly bridgeNs: string | undefined;
  /** A private temp directory (keepalived configs, pid files, captures), removed by destroy(). */
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly processes = new Set<LabProcess>();
  private destroyed = false;

  private constructor(hosts: string[], bridge: boolean) {
    this.prefix = `vt${process.pid}x${labCounter++}-`;
    this.hosts = hosts;
    this.bridgeNs = bridge ? `${this.prefix}br` : undefined;
    this.dir = mkdtempSync(join(tmpdir(), `vipd-${this.prefix}`));
  }

  static async create(options: LabOptions): Promise<Lab> {
    requireLabPrerequisites();
    const bridge = options.bridge ?? true;
    if (new Set(options.hosts).size !== options.hosts.length || options.hosts.length === 0)
      throw new Error("hosts must be distinct and non-empty");
    if (!bridge && options.hosts.length !== 2) throw new Error("a lab without a bridge joins exactly two hosts");
    const lab = new Lab(options.hosts, bridge);
    liveLabs.add(lab);
    installExitHook();
    try {
      lab.build();
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
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
    return `192.0.2.${10 + this.index(host)}`;
  }

  ipv6(host: string): string {
    return `2001:db8::${(10 + this.index(host)).toString(16)}`;
  }

  mac(host: string): string {
    return macOf(this.index(host));
  }

  /** The bridge-side end of a host's veth (in the bridge namespace), or in the peer host without a bridge. */
  bridgePort(host: string): string {
    return `p-${host}`.slice(0, 15);
  }

  private addNamespace(name: string): void {
    must(["ip", "netns", "add", name]);
    this.namespaces.push(name);
    // DAD off before any link exists so addresses (and link-local sources) are usable at once; flow labels off so
    // captured IPv6 headers match keepalived's (the kernel would otherwise hash one in).
    must([
      "ip",
      "netns",
      "exec",
      name,
      "sysctl",
      "-qw",
      "net.ipv6.conf.all.accept_dad=0",
      "net.ipv6.conf.default.accept_dad=0",
      "net.ipv6.auto_flowlabels=0",
    ]);
    must(["ip", "-n", name, "link", "set", "lo", "up"]);
  }

  private build(): void {
    for (const host of this.hosts) this.addNamespace(this.ns(host));
    if (this.bridgeNs) {
      this.addNamespace(this.bridgeNs);
      const br = this.bridgeNs;
      // No STP and no multicast snooping: ports forward at once and VRRP/ND multicast is flooded to every port.
      must(["ip", "-n", br, "link", "add", "br0", "type", "bridge", "stp_state", "0", "mcast_snooping", "0", "forward_delay", "0"]);
      must(["ip", "-n", br, "link", "set", "br0", "up"]);
      for (const host of this.hosts) {
        const port = this.bridgePort(host);
        must([
          "ip",
          "-n",
          br,
          "link",
          "add",
          port,
          "type",
          "veth",
          "peer",
          "name",
          "eth0",
          "address",
          this.mac(host),
          "netns",
          this.ns(host),
        ]);
        must(["ip", "-n", br, "link", "set", port, "master", "br0"]);
        must(["ip", "-n", br, "link", "set", port, "up"]);
      }
    } else {
      const [a, b] = this.hosts as [string, string];
      must([
        "ip",
        "-n",
        this.ns(a),
        "link",
        "add",
        "eth0",
        "address",
        this.mac(a),
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "address",
        this.mac(b),
        "netns",
        this.ns(b),
      ]);
    }
    for (const host of this.hosts) {
      const ns = this.ns(host);
      must(["ip", "-n", ns, "addr", "add", `${this.ipv4(host)}/24`, "dev", "eth0"]);
      must(["ip", "-n", ns, "addr", "add", `${this.ipv6(host)}/64`, "dev", "eth0", "nodad"]);
      must(["ip", "-n", ns, "link", "set", "eth0", "up"]);
    }
  }

  /** Runs argv inside a host namespace and waits (bounded) for it. */
  exec(host: string, argv: string[], timeoutMs = 10_000): ExecResult {
    return run(["ip", "netns", "exec", this.ns(host), ...argv], timeoutMs);
  }

  /** Like exec, but throws on a non-zero exit. */
  must(host: string, argv: string[], timeoutMs = 10_000): string {
    return must(["ip", "netns", "exec", this.ns(host), ...argv], timeoutMs);
  }

  /** Starts argv inside a host namespace (`ip netns exec` execs it, so the PID is the program's own). */
  spawn(host: string, argv: string[]): LabProcess {
    if (this.destroyed) throw new Error("lab destroyed");
    const full = ["ip", "netns", "exec", this.ns(host), ...argv];
    const p = new LabProcess(BaseLabProcess.spawn(argv[0] ?? "process", full, undefined, { stdin: true }), full);
    this.processes.add(p);
    return p;
  }

  /** `ip -j addr show` of a host, parsed. */
  addrs(host: string, ifname = "eth0"): LinkInfoJson[] {
    return JSON.parse(must(["ip", "-n", this.ns(host), "-j", "addr", "show", "dev", ifname])) as LinkInfoJson[];
  }

  /** Address strings (`192.0.2.10/24`) on a host's interface. */
  addressList(host: string, ifname = "eth0"): string[] {
    return this.addrs(host, ifname).flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
  }

  /** Sets a link up or down in a host namespace, or in the bridge namespace with host "bridge". */
  linkSet(host: string, ifname: string, state: "up" | "down"): void {
    const ns = host === "bridge" ? this.bridgeNs : this.ns(host);
    if (!ns) throw new Error("this lab has no bridge");
    must(["ip", "-n", ns, "link", "set", ifname, state]);
  }

  /** Kills the lab's processes (by PID), deletes its namespaces and temp dir. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all([...this.processes].map((p) => p.stop(1500)));
    this.processes.clear();
    this.destroySync();
  }

  /** The synchronous part, also used from the exit hook (where nothing can be awaited). */
  destroySync(): void {
    this.destroyed = true;
    for (const p of this.processes) if (!p.exited) p.proc.kill("SIGKILL");
    for (const ns of this.namespaces.splice(0).reverse()) run(["ip", "netns", "del", ns]);
    rmSync(this.dir, { recursive: true, force: true });
    liveLabs.delete(this);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const lab of [...liveLabs]) lab.destroySync();
  });
}

/** Namespaces whose name starts with `prefix` (for leak checks). */
export function namespacesWithPrefix(prefix: string): string[] {
  return must(["ip", "netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(prefix));
}
