// CPU time and resident memory of processes we started, read from /proc. CPU comes two ways: utime+stime from
// /proc/PID/stat (what the brief and `top` use, but in 10 ms ticks: over 30 s one tick is already 0.033 %, too coarse
// for a 0.05 % target) and the sum of every thread's /proc/PID/task/TID/schedstat (nanoseconds of on-CPU time).
import { readdirSync, readFileSync } from "node:fs";
import { statFields } from "../../src/lab/process-identity.ts";

let ticksPerSecond = 0;

function clockTicks(): number {
  if (!ticksPerSecond) {
    const out = Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", timeout: 2000 }).stdout.toString().trim();
    ticksPerSecond = Number(out) || 100;
  }
  return ticksPerSecond;
}

/** utime+stime (including exited threads) in seconds. */
export function statCpuSeconds(pid: number): number {
  const { userS, systemS } = statUserSystemSeconds(pid);
  return userS + systemS;
}

/** utime and stime apart (including exited threads), in seconds. */
export function statUserSystemSeconds(pid: number): { userS: number; systemS: number } {
  const fields = statFields(readFileSync(`/proc/${pid}/stat`, "utf8"));
  if (!fields) throw new Error(`/proc/${pid}/stat does not parse`);
  return { userS: Number(fields[14 - 3]) / clockTicks(), systemS: Number(fields[15 - 3]) / clockTicks() };
}

/** On-CPU time of the live threads in seconds, nanosecond resolution. */
export function schedCpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread exited between readdir and read
    }
  }
  return ns / 1e9;
}

export function rssKiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : 0;
}

/** Direct children of `pid` (keepalived's VRRP child), via pgrep; read-only. */
export function childPids(pid: number): number[] {
  const out = Bun.spawnSync(["pgrep", "-P", String(pid)], { stdout: "pipe", timeout: 2000 }).stdout.toString();
  return out.split("\n").filter(Boolean).map(Number);
}

export interface IdleSample {
  /** Percent of one core, from schedstat (ns). */
  cpuPercent: number;
  /** Percent of one core, from /proc/PID/stat ticks. */
  statCpuPercent: number;
  rssKiB: number;
}

interface Snapshot {
  at: number;
  sched: number;
  stat: number;
}

function snapshot(pids: number[]): Snapshot {
  let sched = 0;
  let stat = 0;
  for (const pid of pids) {
    sched += schedCpuSeconds(pid);
    stat += statCpuSeconds(pid);
  }
  return { at: performance.now(), sched, stat };
}

/**
 * Measures several process groups over the same window (so they share the 30 s instead of taking 30 s each).
 * Each group's figures are summed over its PIDs (keepalived: parent + VRRP child).
 */
export async function measureIdle(groups: Map<string, number[]>, windowMs: number): Promise<Map<string, IdleSample>> {
  const start = new Map([...groups].map(([name, pids]) => [name, snapshot(pids)]));
  await Bun.sleep(windowMs);
  const out = new Map<string, IdleSample>();
  for (const [name, pids] of groups) {
    const a = start.get(name)!;
    const b = snapshot(pids);
    const seconds = (b.at - a.at) / 1000;
    out.set(name, {
      cpuPercent: ((b.sched - a.sched) / seconds) * 100,
      statCpuPercent: ((b.stat - a.stat) / seconds) * 100,
      rssKiB: pids.reduce((sum, pid) => sum + rssKiB(pid), 0),
    });
  }
  return out;
}
