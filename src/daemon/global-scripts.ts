// The programs the daemon runs for itself rather than for a state change: keepalived's startup_script (before
// the instances start) and shutdown_script (after they have stopped), and the readers of notify FIFOs
// (notify_fifo_script). Each runs as its own user, else as global.script_user, else as the daemon's.

import type { Ids, UserLookup } from "../adapters/user-lookup.ts";
import type { Command, VipdConfig } from "../config/schema.ts";
import type { CommandRunner } from "../process/run-command.ts";
import type { Log } from "./log.ts";
import { scriptOutcome } from "./log-wording.ts";

export interface ScriptRun {
  argv: readonly string[];
  uid?: number;
  gid?: number;
}

export interface LifecycleRun {
  run: ScriptRun;
  timeoutMs: number;
}

export interface LifecycleRuns {
  startup: LifecycleRun | null;
  shutdown: LifecycleRun | null;
}

/** A notify FIFO and the program that reads it (started with the FIFO's path as its last argument). */
export interface FifoReader {
  fifo: string;
  run: ScriptRun;
}

/** `command` with the ids it runs as; null (and a problem) when its user does not resolve. */
export function resolveRun(
  command: Command,
  lookupUser: UserLookup,
  scriptIds: Ids | null,
  where: string,
  problems: string[],
): ScriptRun | null {
  if (command.runAs === null) return { argv: command.argv, ...(scriptIds ?? {}) };
  const ids = lookupUser(command.runAs.user, command.runAs.group);
  if (ids) return { argv: command.argv, ...ids };
  problems.push(`${where}: no user ${command.runAs.user}${command.runAs.group ? ` or group ${command.runAs.group}` : ""}`);
  return null;
}

/** global.script_user's ids, or null (the daemon's own); a problem when it does not resolve. */
export function scriptUserIds(config: VipdConfig, lookupUser: UserLookup, problems: string[]): Ids | null {
  const scriptUser = config.global.scriptUser;
  const ids = scriptUser ? lookupUser(scriptUser.user, scriptUser.group) : null;
  if (scriptUser && !ids) problems.push(`global.script_user: no user ${scriptUser.user}`);
  return ids;
}

export function lifecycleRuns(config: VipdConfig, lookupUser: UserLookup, scriptIds: Ids | null, problems: string[]): LifecycleRuns {
  const g = config.global;
  const one = (command: Command | null, timeoutMs: number, where: string): LifecycleRun | null => {
    const run = command && resolveRun(command, lookupUser, scriptIds, where, problems);
    return run ? { run, timeoutMs } : null;
  };
  return {
    startup: one(g.startupScript, g.startupScriptTimeoutMs, "global.startup_script"),
    shutdown: one(g.shutdownScript, g.shutdownScriptTimeoutMs, "global.shutdown_script"),
  };
}

/** One reader per FIFO (the config check makes instances sharing a FIFO name the same program). */
export function fifoReaders(config: VipdConfig, lookupUser: UserLookup, scriptIds: Ids | null, problems: string[]): FifoReader[] {
  const readers = new Map<string, FifoReader>();
  for (const instance of config.instances) {
    const fifo = instance.notifyFifo;
    if (fifo === null || instance.notifyFifoScript === null || readers.has(fifo)) continue;
    const run = resolveRun(instance.notifyFifoScript, lookupUser, scriptIds, `instances.${instance.name}.notify_fifo_script`, problems);
    if (run) readers.set(fifo, { fifo, run: { ...run, argv: [...run.argv, fifo] } });
  }
  return [...readers.values()];
}

/**
 * Runs a startup or shutdown script to its end or its timeout (then its process group is killed). Its failure is
 * logged and changes nothing else: keepalived starts and stops all the same.
 */
export async function runLifecycleScript(
  kind: "startup" | "shutdown",
  lifecycle: LifecycleRun,
  runner: CommandRunner,
  log: Log,
): Promise<void> {
  const command = lifecycle.run.argv.join(" ");
  log.info(`Running ${kind} script ${command}`);
  const result = await runner({ ...lifecycle.run, timeoutMs: lifecycle.timeoutMs });
  const line = `${kind} script ${command} ${scriptOutcome(result)}`;
  if (result.exitCode === 0) log.info(line);
  else log.warn(`${line}${result.stderr ? `: ${result.stderr.trim()}` : ""}`);
}
