// keepalived's track_file: a file holding a number. Read when it changes (fs.watch), with a slow re-read as a
// safety net because watches miss some replacements (an editor renaming a new file over it).

import { readFileSync, watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { realTimers, type Timers } from "../clock/timers.ts";

export interface TrackedFile {
  name: string;
  path: string;
}

const REREAD_MS = 2000;

/** The number in the file (empty counts as 0); null when the file is missing or holds no number. */
export function readTrackValue(path: string): number | null {
  try {
    const text = readFileSync(path, "utf8").trim();
    if (text === "") return 0;
    const value = Number.parseInt(text, 10);
    return Number.isNaN(value) ? null : value;
  } catch {
    return null;
  }
}

export class FileTracker {
  value: number | null = null;
  private watcher: FSWatcher | null = null;
  private timer: unknown = null;
  private reported = false;

  constructor(
    readonly file: TrackedFile,
    private readonly onValue: (name: string, value: number | null) => void,
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
    const value = readTrackValue(this.file.path);
    // The first read is always reported: a file missing from the start must be said, not assumed to be 0.
    if (value === this.value && this.reported) return;
    this.reported = true;
    this.value = value;
    this.onValue(this.file.name, value);
  }
}
