// The daemon's script and file trackers, kept in step with the config: started with it, changed by a reload
// (a script whose check is unchanged keeps running and keeps its state), stopped on shutdown. Every change goes
// out as a TrackerChanged for the core, by the tracker names of config/to-core.ts.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Timers } from "../clock/timers.ts";
import type { ScriptSection, TrackFileSection, VipdConfig } from "../config/schema.ts";
import { trackerName } from "../config/to-core.ts";
import type { Log } from "../daemon/log.ts";
import type { CommandRunner, RunResult } from "../process/run-command.ts";
import type { Ids, UserLookup } from "../adapters/user-lookup.ts";
import { FileTracker } from "./file-tracker.ts";
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
}

export class TrackerSet {
  private readonly scripts = new Map<string, { key: string; tracker: ScriptTracker }>();
  private files: FileTracker[] = [];

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
        { changed: (n, up, last) => this.scriptChanged(n, up, last) },
        this.deps.timers,
      );
      this.scripts.set(name, { key: JSON.stringify(check), tracker });
      tracker.start();
    }
    for (const tracker of this.files) tracker.stop();
    for (const file of config.trackFiles) this.initTrackFile(file);
    this.files = config.trackFiles.map(
      (file) =>
        new FileTracker({ name: file.name, path: file.file }, (name, value) => this.fileChanged(file, name, value), this.deps.timers),
    );
    for (const tracker of this.files) tracker.start();
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
    };
  }

  stop(): void {
    for (const { tracker } of this.scripts.values()) tracker.stop();
    this.scripts.clear();
    for (const tracker of this.files) tracker.stop();
    this.files = [];
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
    const why = up
      ? "succeeded"
      : last.timedOut
        ? "timed out"
        : last.spawnError
          ? `could not start (${last.spawnError})`
          : `failed (exit ${last.exitCode ?? last.signal})`;
    this.deps.log.info(`script ${name} ${why}: now ${up ? "up" : "down"}`);
    this.sink(trackerName.script(name), up);
  }

  private fileChanged(file: TrackFileSection, name: string, value: number | null): void {
    if (value === null) this.deps.log.warn(`track file ${name} (${file.file}) is missing or holds no number; counting it as 0`);
    this.sink(trackerName.file(name), true, value ?? 0);
  }

  /** keepalived's init_file: write the value when the file is missing, or always with overwrite. */
  private initTrackFile(file: TrackFileSection): void {
    if (!file.initFile || (existsSync(file.file) && !file.initFile.overwrite)) return;
    try {
      mkdirSync(dirname(file.file), { recursive: true });
      writeFileSync(file.file, `${file.initFile.value}\n`);
    } catch (error) {
      this.deps.log.error(`track file ${file.name}: cannot write ${file.file}: ${(error as Error).message}`);
    }
  }
}
