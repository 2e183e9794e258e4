// keepalived's notify_fifo_script: a program started with the notify FIFO's path as its last argument, that reads
// the FIFO for as long as the daemon runs. As keepalived does, the FIFO is created (mode 0644, less the umask)
// when missing and removed at stop when vipd created it, and the daemon holds the FIFO open for reading and
// writing while its reader runs: lines written before the program has opened the FIFO wait in the pipe instead
// of being lost, and the program sees end of file once the daemon lets go. One program per FIFO.

import { closeSync, constants, fstatSync, openSync, unlinkSync } from "node:fs";
import { AdapterError } from "../adapters/adapter-error.ts";
import type { FifoMaker } from "../adapters/fifo-maker.ts";
import type { Timers } from "../clock/timers.ts";
import type { FifoReader } from "../daemon/global-scripts.ts";
import type { Log } from "../daemon/log.ts";
import { scriptOutcome } from "../daemon/log-wording.ts";
import type { CommandRunner } from "../process/run-command.ts";

/** keepalived's mode for a FIFO it creates: its reader may run as another user. */
export const NOTIFY_FIFO_MODE = 0o644;
const OPEN_FLAGS = constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW;
/** After end of file, how long a reader has to finish on its own before it is asked to (SIGTERM). */
const EXIT_GRACE_MS = 1000;

export interface FifoReadersDeps {
  runner: CommandRunner;
  makeFifo: FifoMaker;
  timers: Timers;
  log: Log;
}

interface Running {
  key: string;
  fd: number;
  created: boolean;
  abort: AbortController;
  exited: Promise<void>;
  ending: boolean;
}

export class FifoReaders {
  private readonly running = new Map<string, Running>();

  constructor(private readonly deps: FifoReadersDeps) {}

  /** Starts the readers `wanted` adds, ends those it drops or changes; an unchanged reader keeps running. */
  sync(wanted: readonly FifoReader[]): Promise<void> {
    const byFifo = new Map(wanted.map((w) => [w.fifo, w]));
    const ended: Promise<void>[] = [];
    for (const [fifo, running] of this.running) {
      const next = byFifo.get(fifo);
      if (next === undefined || keyOf(next) !== running.key) ended.push(this.end(fifo, running));
    }
    for (const reader of wanted) if (!this.running.has(reader.fifo)) this.begin(reader);
    return Promise.all(ended).then(() => undefined);
  }

  /** The descriptor held on `fifo` while its reader runs: notify lines are written through it. */
  fd(fifo: string): number | undefined {
    return this.running.get(fifo)?.fd;
  }

  /** Ends every reader: end of file, then SIGTERM after a grace period. */
  stop(): Promise<void> {
    return Promise.all([...this.running].map(([fifo, running]) => this.end(fifo, running))).then(() => undefined);
  }

  private begin(reader: FifoReader): void {
    const { fifo } = reader;
    const log = this.deps.log;
    let created = false;
    try {
      this.deps.makeFifo(fifo, NOTIFY_FIFO_MODE);
      created = true;
    } catch (error) {
      if (!(error instanceof AdapterError && error.code === "EEXIST")) {
        log.error(`notify_fifo ${fifo} cannot be created: ${(error as Error).message}; its notify_fifo_script is not started`);
        return;
      }
    }
    let fd: number;
    try {
      fd = openSync(fifo, OPEN_FLAGS);
    } catch (error) {
      log.error(
        `notify_fifo ${fifo} cannot be opened: ${(error as NodeJS.ErrnoException).code ?? error}; its notify_fifo_script is not started`,
      );
      if (created) this.unlink(fifo);
      return;
    }
    if (!fstatSync(fd).isFIFO()) {
      closeSync(fd);
      log.error(`notify_fifo ${fifo} exists and is not a FIFO: its notify_fifo_script is not started`);
      return;
    }
    const command = reader.run.argv.join(" ");
    const abort = new AbortController();
    const running: Running = { key: keyOf(reader), fd, created, abort, exited: Promise.resolve(), ending: false };
    log.info(`Running notify FIFO script ${command}`);
    running.exited = this.deps.runner({ ...reader.run, signal: abort.signal }).then((result) => {
      const line = `notify FIFO script ${command} ${scriptOutcome(result)}`;
      // keepalived does not restart a reader that ended on its own either; its FIFO keeps filling until full.
      if (running.ending) log.info(line);
      else log.warn(`${line} while the daemon runs: its notify_fifo lines are no longer read`);
    });
    this.running.set(fifo, running);
  }

  private async end(fifo: string, running: Running): Promise<void> {
    this.running.delete(fifo);
    running.ending = true;
    // Removed first (keepalived's order): a reader that reopens the FIFO in a loop finds nothing to reopen.
    if (running.created) this.unlink(fifo);
    try {
      closeSync(running.fd);
    } catch (error) {
      this.deps.log.warn(`notify_fifo ${fifo}: closing it failed: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    let timer: unknown = null;
    const grace = new Promise<boolean>((resolve) => {
      timer = this.deps.timers.setTimeout(() => resolve(false), EXIT_GRACE_MS);
    });
    const exited = await Promise.race([running.exited.then(() => true), grace]);
    this.deps.timers.clearTimeout(timer);
    if (!exited) {
      running.abort.abort();
      await running.exited;
    }
  }

  private unlink(fifo: string): void {
    try {
      unlinkSync(fifo);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") this.deps.log.warn(`notify_fifo ${fifo} created by vipd cannot be removed: ${code ?? error}`);
    }
  }
}

function keyOf(reader: FifoReader): string {
  return JSON.stringify(reader.run);
}
