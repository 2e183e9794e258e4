// Which programs to run for a state change, with keepalived's argument conventions:
// notify_master / notify_backup / notify_fault / notify_stop run as written, with no added arguments; the
// generic `notify` runs after them with "INSTANCE"|"GROUP", the name, the new state and the priority appended.

import { splitCommandLine } from "../process/command-line.ts";

export type NotifyKind = "INSTANCE" | "GROUP";
export type NotifyState = "MASTER" | "BACKUP" | "FAULT" | "STOP";

export interface NotifyScripts {
  notify_master?: string;
  notify_backup?: string;
  notify_fault?: string;
  notify_stop?: string;
  notify?: string;
}

const SPECIFIC: Record<NotifyState, keyof NotifyScripts> = {
  MASTER: "notify_master",
  BACKUP: "notify_backup",
  FAULT: "notify_fault",
  STOP: "notify_stop",
};

/** The argv lists to run, in order. A line that cannot be split is left out (the config check reports it). */
export function notifyCommands(scripts: NotifyScripts, kind: NotifyKind, name: string, state: NotifyState, priority: number): string[][] {
  const commands: string[][] = [];
  const specific = scripts[SPECIFIC[state]];
  if (specific) {
    const split = splitCommandLine(specific);
    if (split.ok) commands.push(split.argv);
  }
  if (scripts.notify) {
    const split = splitCommandLine(scripts.notify);
    if (split.ok) commands.push([...split.argv, kind, name, state, String(priority)]);
  }
  return commands;
}

/** keepalived's notify_fifo line: `INSTANCE "VI_1" MASTER 100`. */
export function notifyFifoLine(kind: NotifyKind, name: string, state: string, priority: number): string {
  return `${kind} "${name}" ${state} ${priority}\n`;
}
