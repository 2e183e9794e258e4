// CPU time and memory of a process from /proc: utime+stime (all threads, clock ticks) from /proc/PID/stat, the
// nanosecond run time summed over /proc/PID/task/*/schedstat (finer than ticks for a nearly idle daemon), VmRSS.

import { readdirSync, readFileSync } from "node:fs";
import { statFields } from "../../../src/lab/process-identity.ts";

const CLK_TCK = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

export interface ProcSample {
  /** utime + stime, milliseconds. */
  statCpuMs: number;
  rssKb: number;
  /** The anonymous part of VmRSS (heap, stacks): VmRSS also counts the executable's mapped file pages. */
  rssAnonKb: number;
  /** Proportional set size: pages shared with other processes (keepalived's parent and child) counted once. */
  pssKb: number;
}

function statCpuMs(pid: number): number {
  const fields = statFields(readFileSync(`/proc/${pid}/stat`, "utf8"));
  if (!fields) throw new Error(`/proc/${pid}/stat does not parse`);
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]); // utime, stime
  return (ticks * 1000) / CLK_TCK;
}

/** Each live thread's run time, ns, by thread id. */
function threadRunNs(pid: number): Map<string, number> {
  const times = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      times.set(`${pid}/${task}`, Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]));
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return times;
}

/**
 * Run time over a window, summed over every thread seen, including threads that start or end inside it (the
 * runtime's JIT workers come and go): a sum over the threads alive at the two ends would lose an ended thread's
 * whole time. Poll often; a thread that ends loses only what it ran since the last poll.
 */
export class ThreadCpuMeter {
  private readonly firstNs = new Map<string, number>();
  private readonly lastNs = new Map<string, number>();

  constructor(private readonly pids: readonly number[]) {
    for (const pid of pids) for (const [tid, ns] of threadRunNs(pid)) this.firstNs.set(tid, ns);
    for (const [tid, ns] of this.firstNs) this.lastNs.set(tid, ns);
  }

  poll(): void {
    for (const pid of this.pids) {
      for (const [tid, ns] of threadRunNs(pid)) {
        // A thread born inside the window counts from zero.
        if (!this.firstNs.has(tid)) this.firstNs.set(tid, 0);
        this.lastNs.set(tid, ns);
      }
    }
  }

  get runMs(): number {
    let ns = 0;
    for (const [tid, last] of this.lastNs) ns += last - (this.firstNs.get(tid) ?? 0);
    return ns / 1e6;
  }
}

function statusKb(pid: number, key: string, file = "status"): number {
  const line = readFileSync(`/proc/${pid}/${file}`, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${key}:`));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0);
}

/** The sum over `pids` (keepalived: parent + VRRP child). Throws if one has gone. */
export function sample(pids: readonly number[]): ProcSample {
  const s: ProcSample = { statCpuMs: 0, rssKb: 0, rssAnonKb: 0, pssKb: 0 };
  for (const pid of pids) {
    s.statCpuMs += statCpuMs(pid);
    s.rssKb += statusKb(pid, "VmRSS");
    s.rssAnonKb += statusKb(pid, "RssAnon");
    s.pssKb += statusKb(pid, "Pss", "smaps_rollup");
  }
  return s;
}

export const clockTickMs = 1000 / CLK_TCK;
