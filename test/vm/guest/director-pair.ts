// Runs inside the test VM (test/vm/lvs-oracle-and-pair.test.ts boots it): a pair of IPVS directors end to end.
// director-pair.sh builds the network; here the compiled vipd runs on d1 (priority 150) and d2 (100), each holding
// VRRP for the VIP and the same NAT virtual service in its own namespace's IPVS table. The client fetches pages
// through the VIP; then d1 dies (vipd killed with SIGKILL, its links down, as a machine that loses power) and the
// client's new connections must be served by d2. Last, d2 stops and removes its services. Prints one JSON line.
//   bun director-pair.ts VIPD_BINARY SCRATCH_DIR
import { openSync, readFileSync, writeFileSync } from "node:fs";

export interface PairResult {
  /** Where the VIP was once d1 had taken it, and each director's IPVS table then (ipvsadm -Ln). */
  vipBefore: { d1: boolean; d2: boolean };
  tableBefore: { d1: string; d2: string };
  /** The real server that answered each new connection, before and after d1's death. */
  before: string[];
  after: string[];
  /** d2's IPVS connection count (ipvsadm --stats) before d1's death and after the fetches through d2. */
  d2ConnsBefore: number;
  d2ConnsAfter: number;
  vipAfter: { d2: boolean };
  /** From the kill to the first page served through d2. */
  failoverMs: number;
  /** d2's table once its vipd stopped, and how it ended. */
  tableAfterStop: string;
  d2Exit: number | null;
  logs: { d1: string; d2: string };
  phases: Record<string, number>;
}

const [binary, scratch] = process.argv.slice(2);
if (!binary || !scratch) throw new Error("usage: director-pair.ts VIPD_BINARY SCRATCH_DIR");
const started = performance.now();
const phases: Record<string, number> = {};
const mark = (what: string) => {
  phases[what] = Math.round(performance.now() - started);
};

const config = (name: string, priority: number) => `
[global]
router_id = "${name}"

[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = ${priority}
advert_int = 1
virtual_ipaddress = ["192.0.2.1/24", "198.51.100.1/24 dev eth1"]

[virtual_servers.web]
address = "192.0.2.1"
port = 80
protocol = "tcp"
lb_algo = "rr"
lb_kind = "NAT"

[[virtual_servers.web.real_servers]]
address = "198.51.100.21"

[[virtual_servers.web.real_servers]]
address = "198.51.100.22"
`;

function run(argv: string[], timeout = 30_000): { code: number | null; out: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

function must(argv: string[]): string {
  const r = run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} exited ${r.code}: ${r.out}`);
  return r.out;
}

const hasVip = (ns: string) => must(["ip", "-n", ns, "-4", "addr", "show", "dev", "eth0"]).includes("inet 192.0.2.1/24");
const table = (ns: string) => must(["ip", "netns", "exec", ns, "ipvsadm", "-Ln"]);

/** Connections the namespace's IPVS has scheduled on the VIP's service (ipvsadm --stats, the service's line). */
function conns(ns: string): number {
  const line = must(["ip", "netns", "exec", ns, "ipvsadm", "-Ln", "--stats"])
    .split("\n")
    .find((l) => l.startsWith("TCP  192.0.2.1:80"));
  return Number(line?.trim().split(/\s+/)[2] ?? Number.NaN);
}

/** One new connection from the client through the VIP: the real server's name, or null. */
function fetchPage(): string | null {
  const r = run(["ip", "netns", "exec", "c", "curl", "-s", "--max-time", "3", "http://192.0.2.1/"], 10_000);
  return r.code === 0 ? r.out.trim() : null;
}

async function waitFor<T>(what: string, ms: number, probe: () => T | null | false): Promise<T> {
  const deadline = performance.now() + ms;
  for (let i = 0; i < 1000 && performance.now() < deadline; i++) {
    const value = probe();
    if (value !== null && value !== false) return value;
    await Bun.sleep(200);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** vipd on a director, with a /run/vipd of its own (tmpfs in the mount namespace `ip netns exec` makes). */
function startVipd(ns: string, priority: number): Bun.Subprocess {
  const file = `${scratch}/${ns}.toml`;
  writeFileSync(file, config(ns, priority));
  const log = openSync(`${scratch}/${ns}.log`, "w");
  return Bun.spawn(["ip", "netns", "exec", ns, "sh", "-c", `mount -t tmpfs tmpfs /run/vipd && exec ${binary} run -c ${file}`], {
    stdin: "ignore",
    stdout: log,
    stderr: log,
  });
}

async function exitWithin(proc: Bun.Subprocess, ms: number): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  const outcome = await Promise.race([proc.exited, late]);
  clearTimeout(timer);
  return outcome === "late" ? null : outcome;
}

must(["sh", `${import.meta.dir}/director-pair.sh`]);
mark("network");
const d1 = startVipd("d1", 150);
const d2 = startVipd("d2", 100);
try {
  await waitFor("d1 holds the VIP", 60_000, () => hasVip("d1"));
  await waitFor(
    "both directors' IPVS tables are set up",
    30_000,
    () => table("d1").includes("198.51.100.22:80") && table("d2").includes("198.51.100.22:80"),
  );
  mark("d1 master");
  const vipBefore = { d1: hasVip("d1"), d2: hasVip("d2") };
  const tableBefore = { d1: table("d1"), d2: table("d2") };
  const before = [1, 2, 3, 4].map(() => fetchPage() ?? "(failed)");
  const d2ConnsBefore = conns("d2");
  mark("served by d1");

  const killedAt = performance.now();
  d1.kill("SIGKILL");
  must(["ip", "-n", "d1", "link", "set", "eth0", "down"]);
  must(["ip", "-n", "d1", "link", "set", "eth1", "down"]);
  const first = await waitFor("a page through d2 after d1's death", 60_000, fetchPage);
  const failoverMs = Math.round(performance.now() - killedAt);
  mark("failed over");
  const after = [first, ...[1, 2, 3].map(() => fetchPage() ?? "(failed)")];
  const d2ConnsAfter = conns("d2");
  const vipAfter = { d2: hasVip("d2") };

  d2.kill("SIGTERM");
  const d2Exit = await exitWithin(d2, 30_000);
  const tableAfterStop = must(["ip", "netns", "exec", "d2", "ipvsadm", "-Sn"]);
  mark("d2 stopped");
  const result: PairResult = {
    vipBefore,
    tableBefore,
    before,
    after,
    d2ConnsBefore,
    d2ConnsAfter,
    vipAfter,
    failoverMs,
    tableAfterStop,
    d2Exit,
    logs: { d1: readFileSync(`${scratch}/d1.log`, "utf8"), d2: readFileSync(`${scratch}/d2.log`, "utf8") },
    phases,
  };
  console.log(JSON.stringify(result));
} catch (e) {
  const log = (ns: string) => {
    try {
      return readFileSync(`${scratch}/${ns}.log`, "utf8");
    } catch {
      return "(no log)";
    }
  };
  const state = [
    ["ip", "-n", "c", "neigh"],
    ["ip", "-n", "r1", "neigh"],
    ["ip", "-n", "d2", "addr"],
    ["ip", "netns", "exec", "d2", "ipvsadm", "-Ln", "--stats"],
  ].map((argv) => `$ ${argv.join(" ")}\n${run(argv).out}`);
  throw new Error(`${(e as Error).message}\n--- d1\n${log("d1")}\n--- d2\n${log("d2")}\n${state.join("\n")}`);
} finally {
  for (const p of [d1, d2]) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}
