// A process named by its PID *and* its start time, so a check or a signal never reaches an unrelated process that
// was given the same PID after ours exited (the kernel reuses PIDs). The lab, the benchmarks and the tests check
// and stop "their" processes only through here. Linux /proc only.

import { readFileSync } from "node:fs";

export interface ProcessIdentity {
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. exec() keeps it. */
  readonly startTicks: number;
}

/**
 * The fields of a /proc/PID/stat line from field 3 (state) on: index 0 is field 3. Field 2, the command name in
 * parentheses, may itself hold spaces and parentheses, so the fields start after the *last* ')'.
 */
export function statFields(text: string): string[] | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const fields = text
    .slice(close + 1)
    .trim()
    .split(" ");
  return fields.length >= 20 ? fields : null;
}

/** State (field 3: R, S, D, Z, ...) and start time (field 22) of a /proc/PID/stat line; null when malformed. */
export function parseProcStat(text: string): { state: string; startTicks: number } | null {
  const fields = statFields(text);
  if (!fields) return null;
  const state = fields[0]!;
  const startTicks = Number(fields[22 - 3]);
  if (state.length !== 1 || !Number.isSafeInteger(startTicks) || startTicks < 0) return null;
  return { state, startTicks };
}

function readStat(pid: number): { state: string; startTicks: number } | null {
  if (!Number.isSafeInteger(pid) || pid <= 1) return null;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null; // no such process (ENOENT / ESRCH): nothing to identify
  }
}

/** A zombie has exited (only its parent has not reaped it yet); X is a task being torn down. */
const isDead = (state: string): boolean => state === "Z" || state === "X";

/** The identity of the process running as `pid` now, or null when none is (or it has already exited). */
export function identifyProcess(pid: number): ProcessIdentity | null {
  const stat = readStat(pid);
  return stat && !isDead(stat.state) ? { pid, startTicks: stat.startTicks } : null;
}

/** Whether the process identified still runs: its PID is taken by a live process that started when it did. */
export function isRunning(id: ProcessIdentity): boolean {
  const stat = readStat(id.pid);
  return stat !== null && !isDead(stat.state) && stat.startTicks === id.startTicks;
}

/**
 * Sends `signal` to the process identified, only if it is still that process; true when sent. (Between the check
 * and kill() lies a window of microseconds; a PID is handed out again only after the whole PID space wrapped.)
 */
export function signalProcess(id: ProcessIdentity, signal: NodeJS.Signals): boolean {
  if (!isRunning(id)) return false;
  try {
    process.kill(id.pid, signal);
    return true;
  } catch {
    return false; // exited in between: what we wanted
  }
}
