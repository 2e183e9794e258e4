// keepalived's track_file: a file holding a number. Read when it changes (fs.watch), with a slow re-read as a
// safety net because watches miss some replacements (an editor renaming a new file over it).
// The daemon runs as root and the path may sit in a directory others write to: it opens the path itself, never a
// symbolic link (O_NOFOLLOW), never waits on it (O_NONBLOCK: a FIFO put there would block the event loop), reads
// only a regular file, and only its first bytes.

import { closeSync, constants, fstatSync, openSync, readSync, watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { realTimers, type Timers } from "../clock/timers.ts";

export interface TrackedFile {
  name: string;
  path: string;
}

const REREAD_MS = 2000;
/** A number and some blanks: nothing longer is read. */
export const TRACK_FILE_MAX_BYTES = 32;

/** What reading a track file found: its number, or null with the reason (a sentence ending the file's name). */
export interface TrackRead {
  value: number | null;
  problem: string | null;
}

const readBuffer = Buffer.alloc(TRACK_FILE_MAX_BYTES);

/** Why opening `path` failed, as the end of a sentence naming it. */
export function openProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "is missing";
  if (code === "ELOOP") return "is a symbolic link: refused (the daemon runs as root and opens no links)";
  return `cannot be opened: ${code ?? (error as Error).message}`;
}

/** The number at the start of the file (empty counts as 0); null with the reason otherwise. */
export function readTrackValue(path: string): TrackRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { value: null, problem: openProblem(error) };
  }
  try {
    if (!fstatSync(fd).isFile()) return { value: null, problem: "is not a regular file: refused" };
    const text = readBuffer.toString("utf8", 0, readSync(fd, readBuffer, 0, TRACK_FILE_MAX_BYTES, 0)).trim();
    if (text === "") return { value: 0, problem: null };
    const value = Number.parseInt(text, 10);
    return Number.isNaN(value) ? { value: null, problem: "holds no number" } : { value, problem: null };
  } catch (error) {
    return { value: null, problem: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

export class FileTracker {
  value: number | null = null;
  private problem: string | null = null;
  private watcher: FSWatcher | null = null;
  private timer: unknown = null;
  private reported = false;

  constructor(
    readonly file: TrackedFile,
    /** `problem` says why `value` is null. */
    private readonly onValue: (name: string, value: number | null, problem: string | null) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  start(): void {
    this.read();
    try {
      this.watcher = watch(dirname(this.file.path), () => this.read());
    } catch {
      this.watcher = null; // the directory may not exist yet; the re-read timer still works
    }
    this.schedule();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = this.timers.setTimeout(() => {
      this.read();
      this.schedule();
    }, REREAD_MS);
  }

  private read(): void {
    const { value, problem } = readTrackValue(this.file.path);
    // The first read is always reported: a file missing from the start must be said, not assumed to be 0.
    if (value === this.value && problem === this.problem && this.reported) return;
    this.reported = true;
    this.value = value;
    this.problem = problem;
    this.onValue(this.file.name, value, problem);
  }
}
