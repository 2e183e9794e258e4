// vipd's half of the checker benchmark on this host, which has no IPVS: the daemon's load-balancing side
// (src/lvs/load-balancer.ts, the same code `vipd run` uses) over the in-memory IPVS (test/adapters/fake-ipvs.ts),
// with the real checker process, checking a check-backend.ts in the same network namespace (bench/checkers.ts
// creates it and runs this inside). For each phase (DIR/NAME.toml, from `vipd convert`): the checker's CPU and
// this process's (the daemon's side: reports, health, reconciles) over a window, and what the backend saw.
// Prints one JSON line: { NAME: LoadFigures | { error } }.
//   bun checkers-host.ts DIR WINDOW_MS NAME:PORT:MODE,PORT:MODE:LATE_MS:DELAY_LOOP_MS...
import { readFileSync } from "node:fs";
import { spawnCheckerProcess } from "../../src/check/checker-process.ts";
import { realTimers } from "../../src/clock/timers.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { formatConfigError } from "../../src/config/config-error.ts";
import type { Log } from "../../src/daemon/log.ts";
import { LoadBalancer } from "../../src/lvs/load-balancer.ts";
import { NO_RECORD } from "../../src/lvs/owned-services.ts";
import { FakeIpvs } from "../../test/adapters/fake-ipvs.ts";
import {
  type CheckerSample,
  checkerTicks,
  type IntervalReport,
  type LoadFigures,
  statSystemTicks,
  statTicks,
  timeWaitCount,
} from "./checkers-plan.ts";
import { LineChild } from "./line-child.ts";

const [dir, windowText, ...phaseArgs] = process.argv.slice(2);
if (!dir || !windowText) throw new Error("usage: checkers-host.ts DIR WINDOW_MS NAME:PORTS:LATE_MS:DELAY_LOOP_MS...");
const windowMs = Number(windowText);
const ticksPerSecond = Number(Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", timeout: 5000 }).stdout.toString().trim()) || 100;

const quiet: Log = { debug() {}, info() {}, warn: (m) => console.error(`warn: ${m}`), error: (m) => console.error(`error: ${m}`) };

/** This process (the daemon's side) and its checker, whose replacements end up in this process's reaped time. */
function sample(lb: LoadBalancer): { checker: CheckerSample; checkerSystem: CheckerSample; own: number } {
  const self = readFileSync("/proc/self/stat", "utf8");
  const pid = lb.checkerPid;
  let checker = 0;
  let system = 0;
  try {
    if (pid !== null) {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      checker = statTicks(stat);
      system = statSystemTicks(stat);
    }
  } catch {
    // replaced between the two reads: its time is in the reaped time on the next sample
  }
  return {
    checker: { checker, reaped: statTicks(self, true), pid: pid ?? 0 },
    checkerSystem: { checker: system, reaped: statSystemTicks(self, true), pid: pid ?? 0 },
    own: statTicks(self),
  };
}

async function phase(name: string, ports: string[], lateMs: number, delayLoopMs: number): Promise<LoadFigures> {
  const loaded = loadConfigText(readFileSync(`${dir}/${name}.toml`, "utf8"), `${name}.toml`);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatConfigError).join("\n"));
  const backend = new LineChild([process.execPath, `${import.meta.dir}/check-backend.ts`, String(lateMs), ...ports]);
  const lb = new LoadBalancer({
    openIpvs: () => new FakeIpvs(),
    record: NO_RECORD,
    log: quiet,
    checkLog: quiet,
    timers: realTimers,
    spawnChecker: spawnCheckerProcess,
    runScript: () => undefined,
    mail: () => undefined,
  });
  try {
    await backend.next("ready");
    lb.apply(loaded.config, new Map());
    await Bun.sleep(2 * delayLoopMs + 2000);
    if (lb.checkerPid === null) throw new Error("no checker process");
    const timeWaitAtStart = timeWaitCount(readFileSync("/proc/self/net/sockstat", "utf8"));
    backend.send("reset");
    const startedAt = performance.now();
    const restarts = lb.checkerRestarts;
    const before = sample(lb);
    await Bun.sleep(windowMs);
    const after = sample(lb);
    const windowS = (performance.now() - startedAt) / 1000;
    backend.send("report");
    const report = await backend.next<IntervalReport>("report");
    const checkerCpuS = checkerTicks(before.checker, after.checker) / ticksPerSecond;
    const checkerSystemCpuS = checkerTicks(before.checkerSystem, after.checkerSystem) / ticksPerSecond;
    const ownCpuS = (after.own - before.own) / ticksPerSecond;
    return {
      windowS,
      checkerCpuS,
      checkerSystemCpuS,
      daemonCpuS: checkerCpuS + ownCpuS,
      restarts: lb.checkerRestarts - restarts,
      timeWaitAtStart,
      report,
    };
  } finally {
    lb.stop("remove");
    await backend.stop();
  }
}

const out: Record<string, LoadFigures | { error: string }> = {};
for (const arg of phaseArgs) {
  const [name, ports, late, delayLoop] = arg.split(":");
  const portList = (ports ?? "").split(",").map((p) => p.replace("=", ":"));
  try {
    out[name!] = await phase(name!, portList, Number(late), Number(delayLoop));
  } catch (e) {
    out[name!] = { error: (e as Error).message };
  }
}
console.log(JSON.stringify(out));
process.exit(0);
