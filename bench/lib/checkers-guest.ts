// The guest half of bench/checkers.ts (runs inside the test VM, which has IPVS): for each phase of the plan,
// keepalived 2.2.7 and then the compiled vipd run the same configuration (DIR/NAME.conf, and vipd its conversion
// DIR/NAME.toml) in the director's namespace ck-d, checking backends served by one check-backend.ts process in the
// same namespace (198.51.100.0/24 is local there). A receiver namespace ck-r, on a veth, captures the VRRP adverts.
// CPU comes from /proc/PID/stat (utime + stime) of the checker process (keepalived's checker child, vipd's
// `--internal-checker-process`) and of all the daemon's processes; the IPVS table from /proc/PID/net/ip_vs.
// Prints one JSON line (GuestResult).
//   bun checkers-guest.ts VIPD_BINARY DIR
import { existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import {
  type Daemon,
  type DetectFigures,
  destinationCount,
  type GuestPlan,
  type GuestResult,
  type LoadFigures,
  type Phase,
  type PhaseFigures,
  type IntervalReport,
  procHex,
  statParent,
  statTicks,
  statSystemTicks,
  checkerTicks,
  type CheckerSample,
  VICTIM,
  VRRP,
  type VrrpFigures,
  captureTimes,
  timeWaitCount,
} from "./checkers-plan.ts";
import { LineChild } from "./line-child.ts";

const [binary, dir] = process.argv.slice(2);
if (!binary || !dir) throw new Error("usage: checkers-guest.ts VIPD_BINARY DIR");
const runDir: string = dir;
const plan = JSON.parse(readFileSync(`${dir}/plan.json`, "utf8")) as GuestPlan;
const CHECKER_ARGUMENT = "--internal-checker-process";

function must(argv: string[], input?: string): string {
  const r = Bun.spawnSync(argv, {
    stdin: input === undefined ? "ignore" : new TextEncoder().encode(input),
    stdout: "pipe",
    stderr: "pipe",
    timeout: 120_000,
  });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const ticksPerSecond = Number(must(["getconf", "CLK_TCK"]).trim()) || 100;

function countLines(file: string, pattern: RegExp): number {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => pattern.test(l)).length;
}

interface Usage {
  checker: CheckerSample;
  /** The same, system time only. */
  checkerSystem: CheckerSample;
  /** Every process of the daemon, the children it has waited for included. */
  all: number;
}

/** CPU ticks of the daemon's processes, read again if a process is replaced while it is read (bounded). */
function usage(running: Running): Usage {
  const stat = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8");
  let failure: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const parent = stat(running.proc.pid);
      const pid = running.checkerPid();
      const own = pid === null ? null : stat(pid);
      const checker = { checker: own === null ? 0 : statTicks(own), reaped: statTicks(parent, true), pid: pid ?? 0 };
      const checkerSystem = { checker: own === null ? 0 : statSystemTicks(own), reaped: statSystemTicks(parent, true), pid: pid ?? 0 };
      let all = statTicks(parent) + checker.reaped;
      for (const p of running.pids()) if (p !== running.proc.pid) all += statTicks(stat(p));
      return { checker, checkerSystem, all };
    } catch (e) {
      failure = e;
    }
  }
  throw new Error(`the daemon's processes cannot be read: ${(failure as Error).message}`);
}

/** CPU seconds between two usages: the checker's, and all the daemon's. */
function cpuBetween(a: Usage, b: Usage): { checkerCpuS: number; checkerSystemCpuS: number; daemonCpuS: number } {
  return {
    checkerCpuS: checkerTicks(a.checker, b.checker) / ticksPerSecond,
    checkerSystemCpuS: checkerTicks(a.checkerSystem, b.checkerSystem) / ticksPerSecond,
    daemonCpuS: (b.all - a.all) / ticksPerSecond,
  };
}

async function sleep(ms: number): Promise<void> {
  await Bun.sleep(ms);
}

/** Polls `probe` every `everyMs` until it holds, at most `ms`. */
async function until(what: string, ms: number, probe: () => boolean, everyMs = 20): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < 1_000_000 && performance.now() - started < ms; i++) {
    if (probe()) return performance.now() - started;
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

interface Running {
  proc: Bun.Subprocess;
  /** The daemon's processes (parent first) and its checker process, once known. */
  pids: () => number[];
  checkerPid: () => number | null;
  logTail: () => string;
  /** Checker processes replaced so far, from the daemon's log. */
  restarts: () => number;
}

function vipdChecker(daemonPid: number): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (statParent(readFileSync(`/proc/${entry}/stat`, "utf8")) !== daemonPid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(CHECKER_ARGUMENT)) return Number(entry);
    } catch {
      // gone between readdir and read
    }
  }
  return null;
}

function readPid(file: string): number | null {
  try {
    return Number(readFileSync(file, "utf8").trim()) || null;
  } catch {
    return null;
  }
}

function start(daemon: Daemon, name: string): Running {
  if (daemon === "keepalived") {
    const files = { main: `${dir}/k.pid`, checker: `${dir}/k.checkers.pid`, vrrp: `${dir}/k.vrrp.pid` };
    const log = openSync(`${dir}/keepalived-${name}.log`, "w");
    const proc = Bun.spawn(
      ["keepalived", "-n", "-l", "-D", "-s", "ck-d", "-f", `${dir}/${name}.conf`, "-p", files.main, "-c", files.checker, "-r", files.vrrp],
      { stdin: "ignore", stdout: log, stderr: log },
    );
    const checkerPid = () => readPid(files.checker);
    return {
      proc,
      checkerPid,
      pids: () => [proc.pid, checkerPid(), readPid(files.vrrp)].filter((p): p is number => p !== null),
      logTail: () => readFileSync(`${dir}/keepalived-${name}.log`, "utf8").slice(-2000),
      restarts: () => countLines(`${dir}/keepalived-${name}.log`, /Healthcheck child process.*died/),
    };
  }
  const logFile = `${dir}/vipd-${name}.log`;
  const log = openSync(logFile, "w");
  const proc = Bun.spawn(
    ["ip", "netns", "exec", "ck-d", "sh", "-c", `mount -t tmpfs tmpfs /run/vipd && exec ${binary} run -c ${dir}/${name}.toml`],
    { stdin: "ignore", stdout: log, stderr: log },
  );
  let checker: number | null = null;
  // The daemon replaces a checker whose heartbeat stops: look again when the one we knew is gone.
  const checkerPid = () => {
    if (checker === null || !existsSync(`/proc/${checker}`)) checker = vipdChecker(proc.pid);
    return checker;
  };
  return {
    proc,
    checkerPid,
    pids: () => [proc.pid, checkerPid()].filter((p): p is number => p !== null),
    logTail: () => readFileSync(logFile, "utf8").slice(-2000),
    restarts: () => countLines(logFile, /checker process .*(starting a new one|exited)/),
  };
}

async function stop(running: Running): Promise<void> {
  running.proc.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), 60_000);
  });
  const outcome = await Promise.race([running.proc.exited, late]);
  clearTimeout(timer);
  if (outcome === "late") {
    running.proc.kill("SIGKILL");
    await running.proc.exited;
  }
  // keepalived's children leave after the parent; wait until their pid files are gone, bounded.
  await until("keepalived's children gone", 30_000, () => !readdirSync(runDir).some((f) => f.startsWith("k.") && f.endsWith(".pid")), 100);
}

function table(running: Running): string {
  return readFileSync(`/proc/${running.proc.pid}/net/ip_vs`, "utf8");
}

function serviceCount(running: Running): number {
  try {
    return table(running)
      .split("\n")
      .filter((l) => l.startsWith("TCP ")).length;
  } catch {
    return 0;
  }
}

async function settle(running: Running, phase: Phase): Promise<void> {
  const alive = () => {
    if (running.proc.exitCode !== null) throw new Error(`the daemon exited ${running.proc.exitCode}:\n${running.logTail()}`);
    return true;
  };
  if (phase.kind !== "vrrp" || phase.ports.length > 0) {
    // Failing checks empty the table: wait for it to be set up first.
    if (phase.settledDestinations === 0) await until("the virtual services", 600_000, () => alive() && serviceCount(running) > 0, 200);
    await until(
      `${phase.settledDestinations} real servers in the table`,
      600_000,
      () => {
        alive();
        try {
          return destinationCount(table(running)) === phase.settledDestinations;
        } catch {
          return false;
        }
      },
      200,
    );
    await until("the checker process", 60_000, () => alive() && running.checkerPid() !== null, 100);
  }
  // Past the warmup (random up to delay_loop) and the first round of checks; VRRP has become MASTER.
  await sleep(Math.max(2 * phase.delayLoopMs + 2000, 5000));
  alive();
}

async function measureLoad(running: Running, backend: LineChild): Promise<LoadFigures> {
  const timeWaitAtStart = timeWaitCount(readFileSync(`/proc/${running.proc.pid}/net/sockstat`, "utf8"));
  backend.send("reset");
  const startedAt = performance.now();
  const restarts = running.restarts();
  const before = usage(running);
  await sleep(plan.windowMs);
  const after = usage(running);
  const windowS = (performance.now() - startedAt) / 1000;
  backend.send("report");
  const report = await backend.next<IntervalReport>("report");
  return { windowS, ...cpuBetween(before, after), restarts: running.restarts() - restarts, timeWaitAtStart, report };
}

async function measureDetection(running: Running, backend: LineChild, phase: Phase): Promise<DetectFigures> {
  const victim = ` -> ${procHex(VICTIM.address, VICTIM.port)} `;
  const present = () => table(running).includes(victim);
  const out: DetectFigures = { detectMs: [], restoreMs: [] };
  for (let run = 0; run < plan.detectRuns; run++) {
    await sleep(500 + Math.random() * phase.delayLoopMs); // the kill lands anywhere in the check's period
    const killedAt = performance.now();
    backend.send(`close ${VICTIM.port}`);
    await backend.next("closed");
    await until("the dead backend leaves the table", 120_000, () => !present());
    out.detectMs.push(Math.round(performance.now() - killedAt));
    const revivedAt = performance.now();
    backend.send(`open ${VICTIM.port}`);
    await backend.next("opened");
    await until("the backend comes back to the table", 120_000, present);
    out.restoreMs.push(Math.round(performance.now() - revivedAt));
  }
  return out;
}

async function measureVrrp(running: Running): Promise<VrrpFigures> {
  const capture = Bun.spawn(["ip", "netns", "exec", "ck-r", "tcpdump", "-i", "r0", "-n", "-tt", "-l", "-p", "ip proto 112"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const reader = capture.stderr.getReader();
    let said = "";
    const listening = (async () => {
      for (let i = 0; i < 1000 && !said.includes("listening on"); i++) {
        const { value, done } = await reader.read();
        if (done) break;
        said += new TextDecoder().decode(value);
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), 60_000);
    });
    const outcome = await Promise.race([listening, late]);
    clearTimeout(timer);
    if (outcome === "late" || !said.includes("listening on")) throw new Error(`tcpdump did not start: ${said}`);
    const restarts = running.restarts();
    const before = usage(running);
    const startedAt = performance.now();
    await sleep(plan.vrrpWindowMs);
    const after = usage(running);
    const windowS = (performance.now() - startedAt) / 1000;
    capture.kill("SIGINT");
    const text = await new Response(capture.stdout).text();
    return { advertTimes: captureTimes(text), windowS, ...cpuBetween(before, after), restarts: running.restarts() - restarts };
  } finally {
    capture.kill("SIGKILL");
    await capture.exited;
  }
}

async function runPhase(daemon: Daemon, phase: Phase): Promise<PhaseFigures> {
  const lateMs = phase.lateMs;
  const backend = new LineChild([
    "ip",
    "netns",
    "exec",
    "ck-d",
    process.execPath,
    `${import.meta.dir}/check-backend.ts`,
    String(lateMs),
    ...phase.ports,
  ]);
  try {
    await backend.next("ready", 120_000);
    const running = start(daemon, phase.name);
    try {
      await settle(running, phase);
      if (phase.kind === "load") return { load: await measureLoad(running, backend) };
      if (phase.kind === "detect") return { detect: await measureDetection(running, backend, phase) };
      return { vrrp: await measureVrrp(running) };
    } finally {
      await stop(running);
    }
  } catch (e) {
    return { error: (e as Error).message.slice(0, 3000) };
  } finally {
    await backend.stop();
  }
}

must(["ip", "-batch", "-"], "netns add ck-d\nnetns add ck-r\nlink add d0 netns ck-d type veth peer name r0 netns ck-r\n");
must(
  ["ip", "-n", "ck-d", "-batch", "-"],
  `link set lo up\nlink set ${VRRP.interface} up\naddr add 192.0.2.1/24 dev ${VRRP.interface}\nroute add local 198.51.100.0/24 dev lo table local\n`,
);
must(["ip", "-n", "ck-r", "-batch", "-"], "link set lo up\nlink set r0 up\naddr add 192.0.2.2/24 dev r0\n");
must(["mkdir", "-p", "/run/vipd"]);

const result: GuestResult = {};
for (const phase of plan.phases) {
  result[phase.name] = {} as Record<Daemon, PhaseFigures>;
  for (const daemon of ["keepalived", "vipd"] as const) {
    console.error(`${new Date().toISOString()} ${phase.name}: ${daemon}`);
    result[phase.name]![daemon] = await runPhase(daemon, phase);
  }
}
console.log(JSON.stringify(result));
