// CPU time and memory of a process from /proc: utime+stime (all threads, clock ticks) from /proc/PID/stat, the
// nanosecond run time summed over /proc/PID/task/*/schedstat (finer than ticks for a nearly idle daemon), VmRSS.

import { readdirSync, readFileSync } from "node:fs";

const CLK_TCK = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

export interface ProcSample {
  /** utime + stime, milliseconds. */
  statCpuMs: number;
  /** Sum of the threads' schedstat run time, milliseconds. */
  schedCpuMs: number;
  rssKb: number;
  /** The anonymous part of VmRSS (heap, stacks): VmRSS also counts the executable's mapped file pages. */
  rssAnonKb: number;
}

function statCpuMs(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLK_TCK;
}

function schedCpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // A thread that ended between the listing and the read: its time is lost to this figure only.
    }
  }
  return ns / 1e6;
}

function statusKb(pid: number, key: string): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${key}:`));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0);
}

/** The sum over `pids` (keepalived: parent + VRRP child). Throws if one has gone. */
export function sample(pids: readonly number[]): ProcSample {
  const s: ProcSample = { statCpuMs: 0, schedCpuMs: 0, rssKb: 0, rssAnonKb: 0 };
  for (const pid of pids) {
    s.statCpuMs += statCpuMs(pid);
    s.schedCpuMs += schedCpuMs(pid);
    s.rssKb += statusKb(pid, "VmRSS");
    s.rssAnonKb += statusKb(pid, "RssAnon");
  }
  return s;
}

export const clockTickMs = 1000 / CLK_TCK;
