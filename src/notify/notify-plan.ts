// Which programs to run for a state change, with keepalived's argument conventions:
// notify_master / notify_backup / notify_fault / notify_stop run as written, with no added arguments; the
// generic `notify` runs after them with "INSTANCE"|"GROUP", the name, the new state and the priority appended.

import type { Ids } from "../adapters/user-lookup.ts";
import { splitCommandLine } from "../process/command-line.ts";

export type NotifyKind = "INSTANCE" | "GROUP";
export type NotifyState = "MASTER" | "BACKUP" | "FAULT" | "STOP";

/** One notify command line, and whom it runs as when it names its own user (else the global script_user). */
export interface NotifyScript {
  line: string;
  runAs?: Ids;
}

export interface NotifyScripts {
  notify_master?: NotifyScript;
  notify_backup?: NotifyScript;
  notify_fault?: NotifyScript;
  notify_stop?: NotifyScript;
  notify?: NotifyScript;
}

export interface NotifyCommand {
  argv: string[];
  runAs?: Ids;
}

const SPECIFIC: Record<NotifyState, keyof NotifyScripts> = {
  MASTER: "notify_master",
  BACKUP: "notify_backup",
  FAULT: "notify_fault",
  STOP: "notify_stop",
};

/** The commands to run, in order. A line that cannot be split is left out (the config check reports it). */
export function notifyCommands(
  scripts: NotifyScripts,
  kind: NotifyKind,
  name: string,
  state: NotifyState,
  priority: number,
): NotifyCommand[] {
  const commands: NotifyCommand[] = [];
  const specificKey = SPECIFIC[state];
  const specific = scripts[specificKey];
  if (specific) {
    const split = splitCommandLine(specific.line);
    if (split.ok) commands.push(withRunAs({ argv: split.argv }, specific));
  }
  if (scripts.notify) {
    const split = splitCommandLine(scripts.notify.line);
    if (split.ok) commands.push(withRunAs({ argv: [...split.argv, kind, name, state, String(priority)] }, scripts.notify));
  }
  return commands;
}

function withRunAs(command: NotifyCommand, script: NotifyScript): NotifyCommand {
  if (script.runAs) command.runAs = script.runAs;
  return command;
}

/** keepalived's notify_fifo line: `INSTANCE "VI_1" MASTER 100`. */
export function notifyFifoLine(kind: NotifyKind, name: string, state: string, priority: number): string {
  return `${kind} "${name}" ${state} ${priority}\n`;
}
