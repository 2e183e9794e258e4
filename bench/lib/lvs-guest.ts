// The guest half of bench/lvs.ts (runs inside the test VM): keepalived's checker process and the compiled vipd, one
// after the other, each in a namespace of its own (test/vm/guest/director-netns.sh), install the same large table
// (DIR/big.conf for keepalived, DIR/big.toml for vipd) and then reload a copy with one real server's weight changed.
// Measured from the process's start to the complete table, and from SIGHUP to the changed weight, both read from
// the namespace's /proc/net/ip_vs (no process start per poll); ipvsadm -Sn before and after the reload shows what
// the reload touched. Prints one JSON line.
// The two take turns, ROUNDS times in the one boot (the host's load moves single figures by half a second): each
// round starts in a new namespace (an IPVS instance that never held a table) from the original file. Also
// reported: the CPU each daemon had used (user, kernel) when its table was complete.
//   bun lvs-guest.ts VIPD_BINARY DIR SERVICES SERVERS_PER_SERVICE CHANGED_SERVICE_HEX CHANGED_DEST_HEX dfg|default ROUNDS
import { copyFileSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { inNetworkNamespace } from "../../ffi/index.ts";
import { statUserSystemSeconds } from "./proc-usage.ts";

export interface DaemonFigures {
  /** Process start to the whole table in the kernel. */
  installMs: number;
  /** CPU the daemon's processes had used when the whole table was in: user and kernel time, ms. */
  installCpu: { userMs: number; systemMs: number };
  /** SIGHUP to the changed weight in the kernel. */
  reloadMs: number;
  /** SIGTERM to the daemon's exit, and the services it left in the kernel (both remove theirs at stop). */
  stopMs: number;
  servicesLeft: number;
  /** ipvsadm -Sn lines the reload removed and added. */
  removed: string[];
  added: string[];
  /** Epoch ms (the guest's clock, as the daemon's log lines) of the start and of SIGHUP. */
  startedAt: number;
  hupAt: number;
  /** The daemon's log (vipd's: its timestamps split the time, its "IPVS: N of N changes applied" the work). */
  reported: string[];
}

/** vipd's fixed costs under emulation, each a process of its own: where the install's time goes before IPVS. */
export interface VipdPhases {
  /** `vipd --version`: the runtime's start and the program's loading. */
  startMs: number;
  /** `vipd check --offline` of the big file under the daemon's runtime settings: start, read, parse, validate, prepare. */
  checkMs: number;
}

export interface LvsBenchResult {
  /** One per round, in order. */
  keepalived: DaemonFigures[];
  vipd: DaemonFigures[];
  vipdPhases: VipdPhases;
}

const [binary, dir, servicesText, perServiceText, serviceHex, destHex, engine, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText ?? 1);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error(`ROUNDS must be 1 to 20, got ${roundsText}`);
/** "dfg": vipd with JSC's DFG tier on too, over the daemon's own settings (which keep the baseline JIT). */
const dfgEnv: Record<string, string> = engine === "dfg" ? { BUN_JSC_useDFGJIT: "1" } : {};
if (!binary || !dir || !servicesText || !perServiceText || !serviceHex || !destHex) {
  throw new Error("usage: lvs-guest.ts VIPD_BINARY DIR SERVICES SERVERS_PER_SERVICE CHANGED_SERVICE_HEX CHANGED_DEST_HEX");
}
const vipdBinary: string = binary;
const services = Number(servicesText);
const destinations = services * Number(perServiceText);

function must(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Services and destinations in a /proc/net/ip_vs text. */
function counts(text: string): { services: number; destinations: number } {
  let s = 0;
  let d = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("TCP ")) s++;
    else if (line.startsWith("  -> ") && !line.includes("RemoteAddress")) d++;
  }
  return { services: s, destinations: d };
}

/** The weight of one destination of one service in a /proc/net/ip_vs text (hex ADDR:PORT, as /proc writes them). */
function weightOf(text: string): number | null {
  const start = text.indexOf(`TCP  ${serviceHex} `);
  if (start < 0) return null;
  const next = text.indexOf("\nTCP ", start + 1);
  const block = text.slice(start, next < 0 ? undefined : next);
  const line = block.split("\n").find((l) => l.includes(`-> ${destHex} `));
  return line ? Number(line.trim().split(/\s+/)[3]) : null;
}

/** The process and its descendants, from /proc/PID/task/TID/children. */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length && tree.length < 1000; i++) {
    for (const task of readdirSync(`/proc/${tree[i]}/task`)) {
      const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, "utf8").trim();
      if (children !== "") tree.push(...children.split(" ").map(Number));
    }
  }
  return tree;
}

/** Summed user and system time of the process tree, ms. */
function treeCpu(pid: number): { userMs: number; systemMs: number } {
  let userMs = 0;
  let systemMs = 0;
  for (const p of processTree(pid)) {
    const { userS, systemS } = statUserSystemSeconds(p);
    userMs += userS * 1000;
    systemMs += systemS * 1000;
  }
  return { userMs, systemMs };
}

async function until(what: string, ms: number, proc: Bun.Subprocess, probe: () => boolean): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < 100_000 && performance.now() - started < ms; i++) {
    if (probe()) return performance.now() - started;
    if (proc.exitCode !== null) throw new Error(`${what}: the daemon exited ${proc.exitCode}`);
    await Bun.sleep(20);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

async function stop(proc: Bun.Subprocess): Promise<void> {
  proc.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), 120_000);
  });
  const outcome = await Promise.race([proc.exited, late]);
  clearTimeout(timer);
  if (outcome === "late") {
    proc.kill("SIGKILL");
    throw new Error("a daemon did not stop within 120 s");
  }
}

function diff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = new Set(before.split("\n"));
  const b = new Set(after.split("\n"));
  return { removed: [...a].filter((l) => !b.has(l)), added: [...b].filter((l) => !a.has(l)) };
}

/** Runs one daemon through install and reload; `config` is the file it reads, rewritten with the reload's copy. */
async function measure(
  netns: string,
  config: string,
  reloadCopy: string,
  start: () => Bun.Subprocess,
  reported: () => string[],
): Promise<DaemonFigures> {
  const startedAt = Date.now();
  const proc = start();
  const table = () => readFileSync(`/proc/${proc.pid}/net/ip_vs`, "utf8");
  try {
    const installMs = await until("install", 600_000, proc, () => {
      const c = counts(table());
      return c.services === services && c.destinations === destinations;
    });
    const installCpu = treeCpu(proc.pid);
    const before = must(["nsenter", `--net=/run/netns/${netns}`, "ipvsadm", "-Sn"]);
    copyFileSync(reloadCopy, config);
    const hupAt = Date.now();
    proc.kill("SIGHUP");
    const reloadMs = await until("reload", 120_000, proc, () => weightOf(table()) === 2);
    // Anything else the reload does comes with the same pass; a short wait lets a straggler show.
    await Bun.sleep(1000);
    const after = must(["nsenter", `--net=/run/netns/${netns}`, "ipvsadm", "-Sn"]);
    const termAt = performance.now();
    await stop(proc);
    const stopMs = performance.now() - termAt;
    const left = must(["nsenter", `--net=/run/netns/${netns}`, "ipvsadm", "-Sn"]);
    return {
      stopMs: Math.round(stopMs),
      servicesLeft: left.split("\n").filter((l) => l.startsWith("-A")).length,
      installMs: Math.round(installMs),
      installCpu,
      reloadMs: Math.round(reloadMs),
      ...diff(before, after),
      startedAt,
      hupAt,
      reported: reported(),
    };
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) await stop(proc);
  }
}

/** Wall time of one run of the command (the median of `runs`). */
function timed(argv: string[], env: Record<string, string>, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: 120_000, env: { ...process.env, ...env } });
    if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
    times.push(performance.now() - started);
  }
  return Math.round(times.sort((a, b) => a - b)[Math.floor(runs / 2)]!);
}

// The daemon's own runtime settings with virtual servers (src/daemon/runtime-env.ts), which `vipd run` restarts
// itself with, and which its systemd unit sets (test/cli/systemd-unit.test.ts holds the unit to this).
const { daemonRuntimeEnv, runtimeRestartEnv } = await import("../../src/daemon/runtime-env.ts");
const LB_RUNTIME_ENV = daemonRuntimeEnv(true);
const UNIT_ENV = runtimeRestartEnv({}, true) ?? {};
const vipdPhases: VipdPhases = {
  startMs: timed([binary, "--version"], { ...LB_RUNTIME_ENV, ...dfgEnv }, 3),
  checkMs: timed([binary, "check", "--offline", "-c", `${dir}/big.toml`], { ...LB_RUNTIME_ENV, ...dfgEnv }, 3),
};

/**
 * Each install gets a namespace of its own, so a kernel IPVS instance that has never held a table: deleting a
 * destination parks it in the instance's trash for minutes (IP_VS_DEST_TRASH_PERIOD), and adding one scans the
 * whole trash first. With one namespace for all rounds, each found the previous rounds' destinations there: the
 * kernel time of an install (medians of 5) was 2.0 s for keepalived and 1.5 s for vipd, against 0.5 s for both in
 * new namespaces, and rounds grew slower one after the other. No record of a previous vipd's services either
 * (it would adopt them).
 */
function freshNamespace(daemon: "k" | "v", round: number): string {
  const name = `bench-${daemon}${round}`;
  must(["sh", `${import.meta.dir}/../../test/vm/guest/director-netns.sh`, name]);
  must(["rm", "-rf", "/run/vipd"]);
  must(["mkdir", "-p", "/run/vipd"]);
  return name;
}

function runKeepalived(netns: string): Promise<DaemonFigures> {
  copyFileSync(`${dir}/big.conf`, `${dir}/run.conf`);
  return measure(
    netns,
    `${dir}/run.conf`,
    `${dir}/reload.conf`,
    () =>
      Bun.spawn(
        [
          "keepalived",
          "-n",
          "-l",
          "-G",
          "-C",
          "-s",
          netns,
          "-f",
          `${dir}/run.conf`,
          "-p",
          `${dir}/k.pid`,
          "-c",
          `${dir}/k.checkers.pid`,
          "-r",
          `${dir}/k.vrrp.pid`,
        ],
        { stdin: "ignore", stdout: "ignore", stderr: "ignore" },
      ),
    () => [],
  );
}

function runVipd(netns: string): Promise<DaemonFigures> {
  copyFileSync(`${dir}/big.toml`, `${dir}/run.toml`);
  const vipdLog = `${dir}/vipd.log`;
  return measure(
    netns,
    `${dir}/run.toml`,
    `${dir}/reload.toml`,
    () => {
      const log = openSync(vipdLog, "w");
      // Spawned inside the namespace, as keepalived enters it itself (-s): no launcher between. Through
      // `ip netns exec` (until 2026-12-05) its process start, ≈ 60–85 ms under emulation, was vipd's alone. With
      // the environment its systemd unit gives it: the runtime settings `vipd run` by hand restarts itself with
      // (what that restart costs is about the --version figure).
      const proc = inNetworkNamespace(`/run/netns/${netns}`, () =>
        Bun.spawn([vipdBinary, "run", "-c", `${dir}/run.toml`], {
          stdin: "ignore",
          stdout: log,
          stderr: log,
          env: { ...process.env, ...UNIT_ENV, ...dfgEnv },
        }),
      );
      if (statSync(`/proc/${proc.pid}/ns/net`).ino !== statSync(`/run/netns/${netns}`).ino) {
        proc.kill("SIGKILL");
        throw new Error(`vipd did not start in ${netns}`);
      }
      return proc;
    },
    () => readFileSync(vipdLog, "utf8").split("\n"),
  );
}

const result: LvsBenchResult = { keepalived: [], vipd: [], vipdPhases };
for (let round = 0; round < rounds; round++) {
  result.keepalived.push(await runKeepalived(freshNamespace("k", round)));
  result.vipd.push(await runVipd(freshNamespace("v", round)));
}
console.log(JSON.stringify(result));
