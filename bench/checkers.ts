// The health checkers' benchmark (issue 17), vipd beside keepalived 2.2.7 on the same keepalived.conf (vipd reads
// its `vipd convert`), in one VM run (this machine's kernel has no IPVS; src/vm/runner.ts boots one that has):
//   1. CPU per 1,000 checks a second, TCP_CHECK and HTTP_GET (the checker process's utime + stime over a window);
//   2. the time from a backend's death to its removal from IPVS, against the bound keepalived's timing allows;
//   3. how many real servers (delay_loop 1) are checked every second without a late check, as the backends see
//      the checks arrive; vipd's part also on this host (no VM) over the in-memory IPVS;
//   4. VRRP advert timing, captured in another namespace, without and with 5,000 failing checks (refused and hung).
// The guest half is bench/lib/checkers-guest.ts, the host half bench/lib/checkers-host.ts, the pure parts
// bench/lib/checkers-plan.ts. Figures only: nothing is asserted about timing.
//
//   bun bench/checkers.ts [--steps 250,1000] [--http 250] [--failing 5000] [--detect-runs 5] [--window 12]
//                         [--vrrp-window 20] [--host-steps 1000,2000,5000,10000] [--host-http 1000] [--vm-only | --host-only]
//                         [--load-only]   (the VM's checking-load phases only: no detection, no VRRP)
//                         [--rounds N]    (the VM's load phases N times, taking turns; medians printed too)
//   (as root; ≈ 9 min by default, the VM ≈ 7 of them: under its emulation keepalived's checker already needs half
//   a core for 200 checks a second, so the VM's steps are small and the host's go to 10,000)

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertKeepalived } from "../src/convert/convert.ts";
import { runInVm, VmError } from "../src/vm/runner.ts";
import {
  advertTiming,
  type CheckGroup,
  type CheckKind,
  type CheckTiming,
  cpuPer1000ChecksPerSecond,
  type Daemon,
  detectionBoundMs,
  type GuestPlan,
  type GuestResult,
  HANG_PORT,
  keepalivedConf,
  type LoadFigures,
  type Phase,
  portsFor,
  REFUSE_PORT,
  spread,
  type Spread,
  TARGET_PORT,
  VICTIM,
  VRRP,
} from "./lib/checkers-plan.ts";
import { formatTable } from "./lib/table.ts";
import { wholeOption as option } from "./lib/options.ts";

const root = join(import.meta.dir, "..");

function listOption(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const values = (process.argv[i + 1] ?? "").split(",").map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > 25_000))
    throw new Error(`--${name} needs counts from 1 to 25,000, comma-separated`);
  return values;
}

const STEPS = listOption("steps", [250, 1000]);
const HOST_STEPS = listOption("host-steps", [1000, 2000, 5000, 10_000]);
const HTTP = option("http", 250);
const HOST_HTTP = option("host-http", 1000);
const FAILING = option("failing", 5000);
const DETECT_RUNS = option("detect-runs", 5);
const WINDOW_MS = option("window", 12) * 1000;
const VRRP_WINDOW_MS = option("vrrp-window", 20) * 1000;
const VM = !process.argv.includes("--host-only");
/** Only the checking-load phases in the VM (TCP steps, HTTP): no detection, no VRRP (≈ a third of the run). */
const LOAD_ONLY = process.argv.includes("--load-only");
/** The VM's load phases this many times over (keepalived and vipd taking turns in each), medians compared. */
const ROUNDS = option("rounds", 1);
const HOST = !process.argv.includes("--vm-only");

/** Every real server checked each second; a check more than 1.25 s after its target's previous one is late. */
const LOAD: CheckTiming = { delayLoopS: 1, connectTimeoutS: 2, retry: 1, delayBeforeRetryS: 1 };
const LATE_MS = 1250;
const DETECT: CheckTiming = { delayLoopS: 2, connectTimeoutS: 1, retry: 2, delayBeforeRetryS: 1 };
const FAIL: CheckTiming = { delayLoopS: 1, connectTimeoutS: 2, retry: 1, delayBeforeRetryS: 1 };

const loadPhase = (kind: CheckKind, count: number, round = 1): { phase: Phase; conf: string } => ({
  phase: {
    name: `${kind === "TCP_CHECK" ? "tcp" : "http"}-${count}${round > 1 ? `-r${round}` : ""}`,
    kind: "load",
    ports: portsFor(count, TARGET_PORT).map((p) => `${p}:${kind === "TCP_CHECK" ? "tcp" : "http"}`),
    settledDestinations: count,
    delayLoopMs: LOAD.delayLoopS * 1000,
    lateMs: LATE_MS,
  },
  conf: keepalivedConf({ vrrp: false, groups: [{ kind, count, basePort: TARGET_PORT }], timing: LOAD }),
});

function vmPhases(): { phase: Phase; conf: string }[] {
  const failing: CheckGroup[] = [
    { kind: "TCP_CHECK", count: Math.floor(FAILING / 2), basePort: REFUSE_PORT },
    { kind: "HTTP_GET", count: FAILING - Math.floor(FAILING / 2), basePort: HANG_PORT },
  ];
  const loads = Array.from({ length: ROUNDS }, (_, i) => [
    ...STEPS.map((n) => loadPhase("TCP_CHECK", n, i + 1)),
    loadPhase("HTTP_GET", HTTP, i + 1),
  ]).flat();
  if (LOAD_ONLY) return loads;
  return [
    ...loads,
    {
      phase: {
        name: "detect",
        kind: "detect",
        ports: [`${TARGET_PORT}:tcp`, `${VICTIM.port}:tcp`],
        settledDestinations: 5,
        delayLoopMs: DETECT.delayLoopS * 1000,
        lateMs: 10 * DETECT.delayLoopS * 1000,
      },
      conf: keepalivedConf({
        vrrp: false,
        groups: [{ kind: "TCP_CHECK", count: 4, basePort: TARGET_PORT }],
        timing: DETECT,
        extra: [VICTIM],
      }),
    },
    {
      phase: { name: "vrrp-idle", kind: "vrrp", ports: [], settledDestinations: 0, delayLoopMs: 1000, lateMs: LATE_MS },
      conf: keepalivedConf({ vrrp: true, groups: [], timing: FAIL }),
    },
    {
      phase: {
        name: "vrrp-failing",
        kind: "vrrp",
        ports: portsFor(failing[1]!.count, HANG_PORT).map((p) => `${p}:hang`),
        settledDestinations: 0,
        delayLoopMs: FAIL.delayLoopS * 1000,
        lateMs: LATE_MS,
      },
      conf: keepalivedConf({ vrrp: true, groups: failing, timing: FAIL }),
    },
  ];
}

function writeConverted(dir: string, name: string, conf: string): void {
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, conf);
  const converted = convertKeepalived(path);
  if (converted.toml === null || converted.lossy)
    throw new Error(`vipd convert failed on ${name}.conf: ${JSON.stringify(converted.findings)}`);
  writeFileSync(join(dir, `${name}.toml`), converted.toml);
}

const pct = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} %` : "-");
const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : "-");
const spreadText = (s: Spread) => (s.n ? `${ms(s.min)} / ${ms(s.median)} / ${ms(s.max)}` : "-");

function loadRow(daemon: string, name: string, f: LoadFigures | undefined, error?: string): string[] {
  if (!f) return [daemon, name, `failed: ${(error ?? "no figures").split("\n")[0]!.slice(0, 100)}`];
  const r = f.report;
  return [
    daemon,
    name,
    `${Math.round(r.checks / f.windowS)}`,
    pct((f.checkerCpuS / f.windowS) * 100),
    pct(cpuPer1000ChecksPerSecond(f.checkerCpuS, f.windowS, r.checks)),
    pct(cpuPer1000ChecksPerSecond(f.checkerCpuS - f.checkerSystemCpuS, f.windowS, r.checks)),
    pct(cpuPer1000ChecksPerSecond(f.daemonCpuS, f.windowS, r.checks)),
    `${r.targetsSeen}`,
    `${r.late}`,
    `${r.p99IntervalMs} / ${r.maxIntervalMs} ms`,
    `${f.restarts}`,
    `${f.timeWaitAtStart}`,
  ];
}

const LOAD_HEADER = [
  "daemon",
  "phase",
  "checks/s",
  "checker CPU",
  "checker CPU per 1,000 checks/s",
  "of it user space",
  "all processes per 1,000 checks/s",
  "real servers checked",
  `late (> ${LATE_MS} ms apart)`,
  "interval p99 / max",
  "checker restarts",
  "TIME_WAIT at start",
];

function printVm(result: GuestResult, phases: Phase[]): void {
  const daemons: Daemon[] = ["keepalived", "vipd"];
  const label = (d: Daemon) => (d === "keepalived" ? "keepalived 2.2.7" : "vipd");
  console.log("\nIn the VM (qemu TCG, 2 vCPUs, ≈ 12× slower than this host for code); backends in the director's namespace.");
  console.log(
    `\n1 + 3. Checking load (delay_loop ${LOAD.delayLoopS} s, every real server its own target), checks as the backends saw them:\n`,
  );
  const loads = phases.filter((p) => p.kind === "load");
  console.log(
    formatTable(
      LOAD_HEADER,
      loads.flatMap((p) => daemons.map((d) => loadRow(label(d), p.name, result[p.name]?.[d]?.load, result[p.name]?.[d]?.error))),
    ),
  );
  if (ROUNDS > 1) printMedians(result, loads, daemons, label);
  if (LOAD_ONLY) return;
  const bound = detectionBoundMs(DETECT);
  console.log(
    `\n2. A dead backend (connections refused) until IPVS drops it; delay_loop ${DETECT.delayLoopS} s, retry ${DETECT.retry}, delay_before_retry ${DETECT.delayBeforeRetryS} s, connect_timeout ${DETECT.connectTimeoutS} s.`,
  );
  console.log(
    `   Bound: delay_loop + retry × delay_before_retry + (retry + 1) × connect_timeout = ${bound.boundMs} ms; a refused check fails at once, so ${bound.refusedMinMs}–${bound.refusedMaxMs} ms expected.\n`,
  );
  console.log(
    formatTable(
      ["daemon", "runs", "detection min / median / max", "within the bound", "back in the table (min / median / max)"],
      daemons.map((d) => {
        const f = result.detect?.[d];
        if (!f?.detect) return [label(d), `failed: ${(f?.error ?? "no figures").split("\n")[0]!.slice(0, 100)}`];
        const s = spread(f.detect.detectMs);
        return [
          label(d),
          `${s.n}`,
          spreadText(s),
          `${f.detect.detectMs.filter((v) => v <= bound.boundMs).length} of ${s.n}`,
          spreadText(spread(f.detect.restoreMs)),
        ];
      }),
    ),
  );
  console.log(
    `\n4. VRRP adverts (advert_int ${VRRP.advertMs / 1000} s) captured in another namespace, lateness = interval − advert_int:\n`,
  );
  console.log(
    formatTable(
      [
        "daemon",
        "checks running",
        "adverts",
        "lateness min / median / max",
        "p99",
        "late > 100 ms",
        "checker CPU",
        "all processes CPU",
        "checker restarts",
      ],
      ["vrrp-idle", "vrrp-failing"].flatMap((name) =>
        daemons.map((d) => {
          const what = name === "vrrp-idle" ? "none" : `${FAILING} failing (½ refused, ½ hung)`;
          const f = result[name]?.[d];
          if (!f?.vrrp) return [label(d), what, `failed: ${(f?.error ?? "no figures").split("\n")[0]!.slice(0, 100)}`];
          const t = advertTiming(f.vrrp.advertTimes, VRRP.advertMs);
          return [
            label(d),
            what,
            `${t.adverts}`,
            spreadText(t.lateness),
            ms(t.p99LatenessMs),
            `${t.late}`,
            pct((f.vrrp.checkerCpuS / f.vrrp.windowS) * 100),
            pct((f.vrrp.daemonCpuS / f.vrrp.windowS) * 100),
            `${f.vrrp.restarts}`,
          ];
        }),
      ),
    ),
  );
}

/** Each load step's checker CPU per 1,000 checks/s over the rounds: the median, then every round's figure. */
function printMedians(result: GuestResult, loads: Phase[], daemons: Daemon[], label: (d: Daemon) => string): void {
  const stepOf = (p: Phase) => p.name.replace(/-r\d+$/, ""); // tcp-500-r2 → tcp-500
  const steps = [...new Set(loads.map(stepOf))];
  const rows = steps.flatMap((step) =>
    daemons.map((d) => {
      const figures = loads
        .filter((p) => stepOf(p) === step)
        .map((p) => result[p.name]?.[d]?.load)
        .filter((f): f is LoadFigures => f !== undefined)
        .map((f) => cpuPer1000ChecksPerSecond(f.checkerCpuS, f.windowS, f.report.checks));
      return [label(d), step, pct(spread(figures).median), figures.map((v) => v.toFixed(1)).join(" / ")];
    }),
  );
  console.log(`\nChecker CPU per 1,000 checks/s over ${ROUNDS} rounds:\n`);
  console.log(formatTable(["daemon", "phase", "median", "each round"], rows));
}

async function runVm(dir: string): Promise<void> {
  const built = vmPhases();
  for (const { phase, conf } of built) writeConverted(dir, phase.name, conf);
  const plan: GuestPlan = { phases: built.map((b) => b.phase), windowMs: WINDOW_MS, vrrpWindowMs: VRRP_WINDOW_MS, detectRuns: DETECT_RUNS };
  writeFileSync(join(dir, "plan.json"), JSON.stringify(plan));
  const binary = join(dir, "vipd");
  const build = Bun.spawnSync([process.execPath, join(root, "build.ts"), "--outfile", binary], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build.ts failed: ${build.stderr.toString()}`);
  console.log(`booting the VM: phases ${plan.phases.map((p) => p.name).join(", ")}; keepalived then vipd in each…`);
  const run = await runInVm({
    command: `modprobe ip_vs && node_modules/.bin/bun bench/lib/checkers-guest.ts ${binary} ${dir}`,
    cwd: root,
    timeoutMs: 3_600_000,
  });
  if (run.exitCode !== 0) throw new Error(`the guest exited ${run.exitCode}:\n${run.stderr}\n${run.stdout}`);
  printVm(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as GuestResult, plan.phases);
  console.log(`(VM: boot ${Math.round(run.bootMs)} ms, whole run ${Math.round(run.totalMs / 1000)} s)`);
}

/** vipd alone on this host: a namespace of our own holding the backends, the checker process and the daemon's side. */
async function runHost(dir: string): Promise<void> {
  const phases = [...HOST_STEPS.map((n) => loadPhase("TCP_CHECK", n)), loadPhase("HTTP_GET", HOST_HTTP)];
  for (const { phase, conf } of phases) writeConverted(dir, `host-${phase.name}`, conf);
  const ns = `vipdck-${process.pid}`;
  const ip = (...args: string[]) => {
    const r = Bun.spawnSync(["ip", ...args], { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.toString()}`);
  };
  ip("netns", "add", ns);
  try {
    ip("-n", ns, "link", "set", "lo", "up");
    ip("-n", ns, "route", "add", "local", "198.51.100.0/24", "dev", "lo", "table", "local");
    const args = phases.map(
      ({ phase }) => `host-${phase.name}:${phase.ports.map((p) => p.replace(":", "=")).join(",")}:${phase.lateMs}:${phase.delayLoopMs}`,
    );
    console.log(`\nvipd on this host (no VM, in-memory IPVS): ${phases.map((p) => p.phase.name).join(", ")}…`);
    const run = Bun.spawnSync(
      ["ip", "netns", "exec", ns, process.execPath, join(import.meta.dir, "lib/checkers-host.ts"), dir, String(WINDOW_MS), ...args],
      {
        stdout: "pipe",
        stderr: "inherit",
        timeout: phases.length * (WINDOW_MS + 60_000),
      },
    );
    if (run.exitCode !== 0) throw new Error(`checkers-host.ts exited ${run.exitCode}`);
    const result = JSON.parse(run.stdout.toString().trim().split("\n").at(-1) ?? "") as Record<string, LoadFigures | { error: string }>;
    const cores = navigator.hardwareConcurrency;
    console.log(
      `\n3 (host). vipd on this host (${cores} cores, shared), delay_loop ${LOAD.delayLoopS} s; "all processes" = checker + the daemon's LVS side:\n`,
    );
    console.log(
      formatTable(
        LOAD_HEADER,
        phases.map(({ phase }) => {
          const f = result[`host-${phase.name}`];
          return f && "report" in f
            ? loadRow("vipd", phase.name, f)
            : loadRow("vipd", phase.name, undefined, f && "error" in f ? f.error : undefined);
        }),
      ),
    );
  } finally {
    Bun.spawnSync(["ip", "netns", "del", ns], { timeout: 10_000 });
  }
}

/** The host is shared: its load says how far the figures can be trusted. */
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const dir = mkdtempSync(join(tmpdir(), "vipd-bench-checkers-"));
console.log(`this host's load average at the start: ${loadAverage()} (${navigator.hardwareConcurrency} cores)`);
try {
  if (VM) await runVm(dir);
  if (HOST) await runHost(dir);
} catch (e) {
  console.error(e instanceof VmError ? e.message : e);
  process.exitCode = 1;
} finally {
  console.log(`this host's load average at the end: ${loadAverage()}`);
  rmSync(dir, { recursive: true, force: true });
}
