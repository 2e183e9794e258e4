// Carries out state-change notifications: the scripts (in order per instance or group, never blocking the
// daemon) and the notify FIFO line.

import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import { scriptOutcome } from "../daemon/log-wording.ts";
import type { CommandRunner } from "../process/run-command.ts";
import { notifyCommands, notifyFifoLine, type NotifyKind, type NotifyScripts, type NotifyState } from "./notify-plan.ts";
import { SerialQueue } from "./serial-queue.ts";

const FIFO_FLAGS = constants.O_WRONLY | constants.O_NONBLOCK | constants.O_APPEND | constants.O_NOFOLLOW;

export interface NotifierLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface NotifierOptions {
  runner: CommandRunner;
  log: NotifierLog;
  /** notify_fifo: a FIFO (or file) that receives one line per state change. */
  fifoPath?: string;
  /** The FIFO of one instance or group when they differ; falls back to fifoPath. */
  fifoFor?: (kind: NotifyKind, name: string) => string | undefined;
  uid?: number;
  gid?: number;
  /** A descriptor the daemon holds on a FIFO while its notify_fifo_script reads it (src/notify/fifo-readers.ts). */
  heldFifo?: (path: string) => number | undefined;
}

export class Notifier {
  private readonly queue = new SerialQueue();

  private defaultIds: { uid?: number; gid?: number };

  constructor(private readonly options: NotifierOptions) {
    this.defaultIds = { uid: options.uid, gid: options.gid };
  }

  /** The user commands without one of their own run as (global.script_user; null: the daemon's own). */
  runAs(ids: { uid: number; gid: number } | null): void {
    this.defaultIds = ids ?? {};
  }

  notify(kind: NotifyKind, name: string, state: NotifyState, priority: number, scripts: NotifyScripts): void {
    this.writeFifo(kind, name, state, priority);
    const commands = notifyCommands(scripts, kind, name, state, priority);
    if (commands.length === 0) return;
    const queued = this.queue.enqueue(`${kind}:${name}`, async () => {
      for (const { argv, runAs } of commands) {
        const ids = runAs ?? this.defaultIds;
        const command = argv.join(" ");
        this.options.log.info(`(${name}) Running notify script ${command}`);
        const result = await this.options.runner({ argv, uid: ids.uid, gid: ids.gid });
        const outcome = `(${name}) notify script ${command} ${scriptOutcome(result)}`;
        if (result.exitCode === 0) this.options.log.info(outcome);
        else this.options.log.warn(`${outcome}${result.stderr ? `: ${result.stderr.trim()}` : ""}`);
      }
    });
    if (!queued) this.options.log.warn(`notify for ${kind} ${name} ${state} dropped: too many notifications still running`);
  }

  /** Resolves when every queued notification has run (for shutdown and tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Non-blocking: a reader that stopped reading fills the pipe, and then lines are dropped (EAGAIN), never waited for. */
  private writeHeld(path: string, fd: number, line: string): void {
    try {
      writeSync(fd, line);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") this.options.log.warn(`notify_fifo ${path} is full (its notify_fifo_script is not reading): line dropped`);
      else this.options.log.warn(`notify_fifo ${path} not written: ${code ?? error}`);
    }
  }

  private writeFifo(kind: NotifyKind, name: string, state: NotifyState, priority: number): void {
    const path = this.options.fifoFor?.(kind, name) ?? this.options.fifoPath;
    if (!path) return;
    const held = this.options.heldFifo?.(path);
    if (held !== undefined) {
      this.writeHeld(path, held, notifyFifoLine(kind, name, state, priority));
      return;
    }
    let fd: number | null = null;
    try {
      // Non-blocking: with no reader on the FIFO the open fails (ENXIO) instead of hanging the daemon. Root never
      // writes through a symbolic link (O_NOFOLLOW), nor to anything but a FIFO or a regular file (a device).
      fd = openSync(path, FIFO_FLAGS);
      const stat = fstatSync(fd);
      if (!stat.isFIFO() && !stat.isFile()) {
        this.options.log.warn(`notify_fifo ${path} is neither a FIFO nor a regular file: refused`);
        return;
      }
      writeSync(fd, notifyFifoLine(kind, name, state, priority));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No reader yet is ordinary. Anything else is a setup problem, more likely now that the daemon has no
      // CAP_DAC_OVERRIDE: a FIFO only its owner may write to is EACCES for it (src/daemon/privileges.ts).
      if (code === "ELOOP")
        this.options.log.warn(`notify_fifo ${path} is a symbolic link: refused (the daemon runs as root and opens no links)`);
      else if (code === "ENXIO") this.options.log.debug(`notify_fifo ${path}: ENXIO`);
      else this.options.log.warn(`notify_fifo ${path} not written: ${code ?? error}`);
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
}
