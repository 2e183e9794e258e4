// track_process: counts the running processes each pattern matches and reports whether the count is within
// [quorum, quorum_max], after fork_delay (gaining) or terminate_delay (losing) so a restart does not bounce.
//
// It scans /proc every `intervalMs` rather than listening to the kernel's proc connector: the connector is only
// reachable from the initial network namespace (from any other, the subscription is refused with ECONNREFUSED),
// where vipd often runs. A scan reads /proc/PID/stat (comm, state, start time) for each process, ≈ 10 µs of CPU
// per process (100 processes: ≈ 1 ms a scan); /proc/PID/cmdline is read once per process, and only when a
// pattern needs it (full_command), since it may fault in a swapped-out process's memory.

import { closeSync, openSync, readdirSync, readSync } from "node:fs";
import type { Timers } from "../clock/timers.ts";
import { matchesProcess, parseCmdline, parseStat, type ProcessPattern } from "./process-match.ts";

export interface TrackedProcess extends ProcessPattern {
  name: string;
  quorum: number;
  /** null: no upper bound. */
  quorumMax: number | null;
  forkDelayMs: number;
  terminateDelayMs: number;
}

interface State {
  spec: TrackedProcess;
  count: number;
  /** What was last reported; null before the first scan. */
  up: boolean | null;
  pending: { up: boolean; timer: unknown } | null;
}

/** The longest command line read: argv[0] and the parameters a pattern compares fit well within it. */
const CMDLINE_MAX = 4096;

export class ProcessTracker {
  private readonly states: State[];
  private readonly needArgv: boolean;
  /** argv by "PID start-ticks", read once per process. */
  private argvCache = new Map<string, string[]>();
  private timer: unknown = null;
  private stopped = false;
  private readonly buffer = Buffer.alloc(CMDLINE_MAX);

  constructor(
    specs: readonly TrackedProcess[],
    private readonly intervalMs: number,
    private readonly timers: Timers,
    private readonly changed: (name: string, up: boolean, count: number) => void,
    private readonly procRoot = "/proc",
  ) {
    this.states = specs.map((spec) => ({ spec, count: 0, up: null, pending: null }));
    this.needArgv = specs.some((s) => s.fullCommand);
  }

  /** The first scan reports every state at once (no delay), as keepalived's reading of /proc at start. */
  start(): void {
    this.scan();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    for (const state of this.states) this.cancel(state);
  }

  /** For status: each pattern's count and reported state. */
  snapshot(): { name: string; count: number; up: boolean | null }[] {
    return this.states.map((s) => ({ name: s.spec.name, count: s.count, up: s.up }));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.scan();
      this.schedule();
    }, this.intervalMs);
  }

  private scan(): void {
    for (const state of this.states) state.count = 0;
    const seen = new Map<string, string[]>();
    let names: string[];
    try {
      names = readdirSync(this.procRoot);
    } catch {
      return; // /proc not mounted: nothing can be counted; the states stay as they were
    }
    for (const pid of names) {
      const c = pid.charCodeAt(0);
      if (c < 49 || c > 57) continue; // not [1-9]...
      const stat = parseStat(this.read(`${this.procRoot}/${pid}/stat`) ?? "");
      if (stat === null || stat.state === "Z") continue;
      let argv: string[] | null = null;
      if (this.needArgv) {
        const key = `${pid} ${stat.startTicks}`;
        argv = this.argvCache.get(key) ?? parseCmdline(this.read(`${this.procRoot}/${pid}/cmdline`) ?? "");
        seen.set(key, argv);
      }
      for (const state of this.states) if (matchesProcess(state.spec, stat.comm, argv)) state.count++;
    }
    this.argvCache = seen;
    for (const state of this.states) this.settle(state);
  }

  private settle(state: State): void {
    const { quorum, quorumMax } = state.spec;
    const up = state.count >= quorum && (quorumMax === null || state.count <= quorumMax);
    if (state.pending && state.pending.up === up) return;
    this.cancel(state);
    if (state.up === up) return;
    const delayMs = state.up === null ? 0 : up ? state.spec.forkDelayMs : state.spec.terminateDelayMs;
    if (delayMs === 0) {
      this.report(state, up);
      return;
    }
    state.pending = { up, timer: this.timers.setTimeout(() => this.report(state, up), delayMs) };
  }

  private report(state: State, up: boolean): void {
    state.pending = null;
    state.up = up;
    this.changed(state.spec.name, up, state.count);
  }

  private cancel(state: State): void {
    if (!state.pending) return;
    this.timers.clearTimeout(state.pending.timer);
    state.pending = null;
  }

  /** A /proc file's text, or null when the process is gone (or it cannot be read). */
  private read(path: string): string | null {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      return null;
    }
    try {
      const length = readSync(fd, this.buffer, 0, CMDLINE_MAX, 0);
      return this.buffer.toString("utf8", 0, length);
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }
}
