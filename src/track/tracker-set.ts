// The daemon's script and file trackers, kept in step with the config: started with it, changed by a reload
// (a script whose check is unchanged keeps running and keeps its state), stopped on shutdown. Every change goes
// out as a TrackerChanged for the core, by the tracker names of config/to-core.ts.

import { closeSync, constants, fchmodSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Timers } from "../clock/timers.ts";
import type { ScriptSection, TrackFileSection, VipdConfig } from "../config/schema.ts";
import { trackerName } from "../config/to-core.ts";
import type { Log } from "../daemon/log.ts";
import { scriptOutcome, scriptStateLine } from "../daemon/log-wording.ts";
import type { CommandRunner, RunResult } from "../process/run-command.ts";
import type { Ids, UserLookup } from "../adapters/user-lookup.ts";
import { FileTracker, openProblem } from "./file-tracker.ts";
import { ProcessTracker } from "./process-tracker.ts";
import { type ScriptCheck, ScriptTracker } from "./script-tracker.ts";

/** Where tracker changes go: the driver's trackerChanged. */
export type TrackerSink = (tracker: string, up: boolean, value?: number) => void;

export interface TrackerSetDeps {
  runner: CommandRunner;
  timers: Timers;
  log: Log;
  /** A script's own `user`/`group` to ids; null when they do not resolve. */
  lookupUser: UserLookup;
}

export interface TrackerSnapshot {
  scripts: { name: string; up: boolean; runs: number; lastDurationMs: number | null }[];
  files: { name: string; value: number | null }[];
  processes: { name: string; count: number; up: boolean | null }[];
}
/** Mode of a track file vipd creates (init_file): the operator's tools read it, root writes it. */
export const TRACK_FILE_MODE = 0o644;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const OVERWRITE_FLAGS = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export class TrackerSet {
  private readonly scripts = new Map<string, { key: string; tracker: ScriptTracker }>();
  private files: FileTracker[] = [];
  private processes: ProcessTracker | null = null;

  constructor(
    private readonly deps: TrackerSetDeps,
    private readonly sink: TrackerSink,
  ) {}

  /** Starts the trackers of `config`, stops those it no longer has; scriptIds: global.script_user's ids. */
  sync(config: VipdConfig, scriptIds: Ids | null): void {
    const wanted = new Map(config.scripts.map((script) => [script.name, this.scriptCheck(script, scriptIds)]));
    for (const [name, { key, tracker }] of this.scripts) {
      if (wanted.has(name) && JSON.stringify(wanted.get(name)) === key) continue;
      tracker.stop();
      this.scripts.delete(name);
    }
    for (const [name, check] of wanted) {
      if (this.scripts.has(name)) continue;
      if (check.initFail) this.sink(trackerName.script(name), false);
      const tracker = new ScriptTracker(
        check,
        this.deps.runner,
        {
          changed: (n, up, last) => this.scriptChanged(n, up, last),
          ran: (n, result) => this.deps.log.debug(`VRRP_Script(${n}) ${scriptOutcome(result)}`),
        },
        this.deps.timers,
      );
      this.scripts.set(name, { key: JSON.stringify(check), tracker });
      tracker.start();
    }
    for (const tracker of this.files) tracker.stop();
    for (const file of config.trackFiles) this.initTrackFile(file);
    this.files = config.trackFiles.map(
      (file) =>
        new FileTracker(
          { name: file.name, path: file.file },
          (name, value, problem) => this.fileChanged(file, name, value, problem),
          this.deps.timers,
        ),
    );
    for (const tracker of this.files) tracker.start();
    this.syncProcesses(config);
  }

  /** One scan serves every tracked process; a reload starts it afresh (the first scan reports at once). */
  private syncProcesses(config: VipdConfig): void {
    this.processes?.stop();
    this.processes = null;
    const used = new Set(config.instances.flatMap((i) => i.trackProcess.map((ref) => ref.name)));
    const specs = config.trackProcesses.filter((p) => used.has(p.name));
    if (specs.length === 0) return;
    this.processes = new ProcessTracker(specs, config.global.trackProcessIntervalMs, this.deps.timers, (name, up, count) => {
      this.deps.log.info(`track process ${name}: ${count} running, now ${up ? "up" : "down"}`);
      this.sink(trackerName.process(name), up);
    });
    this.processes.start();
  }

  /** Each tracker's state, for status and metrics. */
  snapshot(): TrackerSnapshot {
    return {
      scripts: [...this.scripts.values()].map(({ tracker }) => ({
        name: tracker.check.name,
        up: tracker.up,
        runs: tracker.runs,
        lastDurationMs: tracker.lastDurationMs,
      })),
      files: this.files.map((f) => ({ name: f.file.name, value: f.value })),
      processes: this.processes?.snapshot() ?? [],
    };
  }

  stop(): void {
    for (const { tracker } of this.scripts.values()) tracker.stop();
    this.scripts.clear();
    for (const tracker of this.files) tracker.stop();
    this.files = [];
    this.processes?.stop();
    this.processes = null;
  }

  private scriptCheck(script: ScriptSection, scriptIds: Ids | null): ScriptCheck {
    const ids = script.script.runAs ? this.deps.lookupUser(script.script.runAs.user, script.script.runAs.group) : scriptIds;
    return {
      name: script.name,
      argv: script.script.argv,
      intervalMs: script.intervalMs,
      timeoutMs: script.timeoutMs ?? undefined,
      rise: script.rise,
      fall: script.fall,
      initFail: script.initFail,
      ...(ids ?? {}),
    };
  }

  private scriptChanged(name: string, up: boolean, last: RunResult): void {
    this.deps.log.info(scriptStateLine(name, up, last));
    this.sink(trackerName.script(name), up);
  }

  private fileChanged(file: TrackFileSection, name: string, value: number | null, problem: string | null): void {
    if (value === null) this.deps.log.warn(`track file ${name}: ${file.file} ${problem ?? "holds no number"}; counting it as 0`);
    else this.deps.log.info(`track file ${name}: ${file.file} now holds ${value}`);
    this.sink(trackerName.file(name), true, value ?? 0);
  }

  /**
   * keepalived's init_file: write the value when the file is missing, or always with overwrite. Created with O_EXCL
   * (a dangling symbolic link is not followed to create its target) and mode 0644; an existing path is written only
   * when it is a regular file itself (O_NOFOLLOW), never through a link, never a FIFO or a device.
   */
  private initTrackFile(file: TrackFileSection): void {
    if (!file.initFile) return;
    const opened = openForInit(file.file, file.initFile.overwrite);
    if (opened === null) return;
    if (typeof opened === "string") {
      this.deps.log.error(`track file ${file.name}: not initialised: ${file.file} ${opened}`);
      return;
    }
    try {
      ftruncateSync(opened, 0);
      writeSync(opened, `${file.initFile.value}\n`, 0);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      this.deps.log.error(`track file ${file.name}: not initialised: ${file.file} cannot be written: ${why}`);
    } finally {
      closeSync(opened);
    }
  }
}

/**
 * The track file to initialise, open for writing: created (O_EXCL, mode 0644), or the existing regular file with
 * `overwrite`. Null when it exists and is to be left alone; the reason, as the end of a sentence, when refused.
 */
function openForInit(path: string, overwrite: boolean): number | string | null {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    const fd = openSync(path, CREATE_FLAGS, TRACK_FILE_MODE);
    fchmodSync(fd, TRACK_FILE_MODE); // the umask must not decide who may read it
    return fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") return openProblem(error);
  }
  if (!overwrite) return null;
  let fd: number;
  try {
    fd = openSync(path, OVERWRITE_FLAGS);
  } catch (error) {
    return openProblem(error);
  }
  if (fstatSync(fd).isFile()) return fd;
  closeSync(fd);
  return "is not a regular file: refused";
}
