// Runs inside the test VM (test/vm/lvs-oracle.test.ts boots it, in a namespace made by director-netns.sh): keepalived
// as the oracle of the IPVS table. For each sample the test prepared in DIR (NAME.conf for keepalived, NAME.toml its
// `vipd convert`), keepalived's checker process sets the table up from the .conf, all samples at once, each in a
// namespace of its own (IPVS tables are per namespace), and ipvsadm records each table; keepalived stops; then
// vipd's reconciler (what `vipd run` drives) applies each .toml in turn in this agent's namespace, and ipvsadm
// records the table again. Prints one JSON line. Process starts cost ≈ 0.1 s each under emulation: the table is
// watched through /proc, and each namespace's listings come from one shell.
//   bun lvs-oracle-agent.ts DIR NAME...
import { readFileSync } from "node:fs";
import { LinuxIpvs } from "../../../src/adapters/linux/ipvs-adapter.ts";
import { formatConfigError } from "../../../src/config/config-error.ts";
import { loadConfigText } from "../../../src/config/load.ts";
import type { Log } from "../../../src/daemon/log.ts";
import { IpvsReconciler } from "../../../src/lvs/reconciler.ts";
import { describeOperation } from "../../../src/lvs/table-diff.ts";

/** What ipvsadm shows of a table, the listings compared (the timeouts are the namespace's, set by lvs_timeouts). */
export const LISTINGS = {
  list: "-Ln --sort",
  thresholds: "-Ln --sort --thresholds",
  persistent: "-Ln --sort --persistent-conn",
  save: "-Sn",
  timeouts: "-Ln --timeout",
} as const;
/** The kernel's own timeouts: each sample starts from them, as keepalived's fresh namespaces do. */
const KERNEL_TIMEOUTS = { tcpS: 900, tcpFinS: 120, udpS: 300 };
export type Listings = Record<keyof typeof LISTINGS, string>;

export interface OracleTables {
  keepalived: Listings;
  vipd: Listings;
  /** keepalived's log (stdout and stderr), for a difference's explanation. */
  keepalivedLog: string;
  /** /proc/net/ip_vs after keepalived's stop and after vipd's: both must hold no service. */
  afterStop: { keepalived: string; vipd: string };
  vipdOperations: string[];
  vipdErrors: string[];
  settleMs: number;
}

const SEPARATOR = "--- vipd-oracle ---";

function run(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Every listing of a namespace's table (null: this process's own), from one shell. */
async function record(netns: string | null): Promise<Listings> {
  const script = Object.values(LISTINGS)
    .map((args) => `ipvsadm ${args}`)
    .join(` && echo '${SEPARATOR}' && `);
  const argv = [...(netns ? ["nsenter", `--net=/run/netns/${netns}`] : []), "sh", "-c", script];
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${err}`);
  const parts = out.split(`${SEPARATOR}\n`);
  const keys = Object.keys(LISTINGS) as (keyof typeof LISTINGS)[];
  if (parts.length !== keys.length) throw new Error(`ipvsadm gave ${parts.length} listings, not ${keys.length}`);
  return Object.fromEntries(keys.map((k, i) => [k, parts[i]])) as Listings;
}

/** The services and destinations lines of /proc/net/ip_vs (the version and header lines left out). */
const procTable = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => /^(TCP|UDP|SCTP|FWM)\s|^\s+->\s+[0-9A-F[]/.test(l))
    .join("\n");

/** A keepalived checker process in a namespace of its own, started now and taken down by `finish`. */
class KeepalivedRun {
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  private readonly output: Promise<string[]>;

  constructor(
    readonly netns: string,
    dir: string,
    readonly name: string,
  ) {
    const path = (what: string) => `${dir}/${name}.${what}`;
    const pidFiles = ["-p", path("pid"), "-c", path("checkers.pid"), "-r", path("vrrp.pid")];
    this.proc = Bun.spawn(["keepalived", "-n", "-l", "-D", "-G", "-C", "-s", netns, "-f", path("conf"), ...pidFiles], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    this.output = Promise.all([new Response(this.proc.stdout).text(), new Response(this.proc.stderr).text()]);
  }

  /**
   * keepalived sets the whole table up at start (no checker: every real server is up at once); the table is taken
   * once it has held still for three polls of the namespace's /proc/net/ip_vs (through keepalived's own /proc
   * entry: it joined the namespace), within 40 s.
   */
  async settle(): Promise<number> {
    const started = performance.now();
    let last = "";
    let still = 0;
    for (let i = 0; i < 200 && performance.now() - started < 40_000; i++) {
      await Bun.sleep(200);
      if (this.proc.exitCode !== null) throw new Error(`${this.name}: keepalived exited ${this.proc.exitCode} before its table settled`);
      const now = procTable(`/proc/${this.proc.pid}/net/ip_vs`);
      still = now !== "" && now === last ? still + 1 : 0;
      last = now;
      if (still >= 3) return Math.round(performance.now() - started);
    }
    throw new Error(`${this.name}: keepalived's table did not settle within 40 s:\n${last}`);
  }

  /** Stops keepalived (SIGTERM, then SIGKILL after `ms`); its log. */
  async finish(ms: number): Promise<string> {
    this.proc.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), ms);
    });
    const outcome = await Promise.race([this.proc.exited, late]);
    clearTimeout(timer);
    if (outcome === "late") this.proc.kill("SIGKILL");
    const log = (await this.output).join("");
    if (outcome === "late") throw new Error(`${this.name}: keepalived did not stop within ${ms} ms\n${log}`);
    return log;
  }
}

async function vipdTables(
  dir: string,
  name: string,
  ipvs: LinuxIpvs,
): Promise<{ tables: Listings; operations: string[]; errors: string[]; after: string }> {
  const errors: string[] = [];
  const log: Log = { debug() {}, info() {}, warn: (m) => errors.push(`warn ${m}`), error: (m) => errors.push(`error ${m}`) };
  const loaded = loadConfigText(readFileSync(`${dir}/${name}.toml`, "utf8"), `${name}.toml`, { checkPrograms: false });
  if (!loaded.ok) throw new Error(`${name}.toml: ${loaded.errors.map(formatConfigError).join("\n")}`);
  ipvs.setTimeouts(KERNEL_TIMEOUTS);
  const reconciler = new IpvsReconciler(ipvs, log);
  const applied = reconciler.apply(loaded.config);
  for (const f of applied.failures) errors.push(`${describeOperation(f.operation)}: ${f.code} ${f.message}`);
  if (applied.unreadable) errors.push(`unreadable: ${applied.unreadable}`);
  const tables = await record(null);
  const stopped = reconciler.stop("remove");
  for (const f of stopped.failures) errors.push(`stop ${describeOperation(f.operation)}: ${f.code}`);
  return { tables, operations: applied.operations.map(describeOperation), errors, after: procTable("/proc/net/ip_vs") };
}

const [dir, ...names] = process.argv.slice(2);
if (!dir || names.length === 0) throw new Error("usage: lvs-oracle-agent.ts DIR NAME...");
const started = performance.now();
const phases: Record<string, number> = {};
const mark = (what: string) => {
  phases[what] = Math.round(performance.now() - started);
};
const namespaces = names.map((_, i) => `k${i}`);
run(["sh", `${import.meta.dir}/director-netns.sh`, ...namespaces]);
mark("namespaces");
const runs = names.map((name, i) => new KeepalivedRun(namespaces[i] ?? "", dir, name));
const results: Record<string, OracleTables> = {};
try {
  const settle = await Promise.all(runs.map((r) => r.settle()));
  mark("keepalived settled");
  // Both emulated CPUs at once: every process start costs ≈ 0.1 s.
  const tables = await Promise.all(runs.map((r) => record(r.netns)));
  mark("keepalived recorded");
  const logs = await Promise.all(runs.map((r) => r.finish(20_000)));
  const afterStop = run([
    "sh",
    "-c",
    `for n in ${namespaces.join(" ")}; do nsenter --net=/run/netns/$n cat /proc/net/ip_vs; echo '${SEPARATOR}'; done`,
  ])
    .split(`${SEPARATOR}\n`)
    .map((text) =>
      text
        .split("\n")
        .filter((l) => /^(TCP|UDP|SCTP|FWM)\s|^\s+->\s+[0-9A-F[]/.test(l))
        .join("\n"),
    );
  mark("keepalived stopped");
  const ipvs = LinuxIpvs.open();
  try {
    for (const [i, name] of names.entries()) {
      // One sample at a time: this agent's namespace holds one table.
      const v = await vipdTables(dir, name, ipvs);
      results[name] = {
        keepalived: tables[i] as Listings,
        vipd: v.tables,
        keepalivedLog: logs[i] ?? "",
        afterStop: { keepalived: afterStop[i] ?? "(not read)", vipd: v.after },
        vipdOperations: v.operations,
        vipdErrors: v.errors,
        settleMs: settle[i] ?? -1,
      };
    }
  } finally {
    ipvs.close();
  }
  mark("vipd");
} finally {
  for (const r of runs) if (r.proc.exitCode === null) r.proc.kill("SIGKILL");
}
console.log(JSON.stringify({ results, phases }));
