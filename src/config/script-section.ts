// [scripts.NAME]: a check run periodically (keepalived's vrrp_script); its exit status is a tracker.

import { readCommand, readRunAs } from "./commands.ts";
import type { Problems } from "./config-error.ts";
import type { ScriptSection } from "./schema.ts";
import { TableReader, type TomlTable } from "./table-reader.ts";
import { TRACK_SCRIPT } from "./track-refs.ts";

export const SCRIPT_KEYS = ["script", "interval", "timeout", "weight", "reverse", "rise", "fall", "user", "init_fail"];
/** Longest interval or timeout accepted: one day. */
export const MAX_SCRIPT_SECONDS = 86400;
/** Largest rise or fall count accepted. */
export const MAX_SCRIPT_COUNT = 1000;

export function readScript(problems: Problems, name: string, table: TomlTable): ScriptSection {
  const r = new TableReader(problems, ["scripts", name], table, SCRIPT_KEYS);
  if (!r.has("script")) r.missing("script", "a command line");
  const command = readCommand(r, "script");
  const runAs = readRunAs(r, "user");
  const intervalMs = r.seconds("interval", 0.01, MAX_SCRIPT_SECONDS, 1000);
  const script: ScriptSection = {
    name,
    script: command ? { ...command, runAs: runAs ?? command.runAs } : { raw: "", argv: [], runAs: null },
    intervalMs,
    timeoutMs: r.optSeconds("timeout", 0.01, MAX_SCRIPT_SECONDS),
    weight: r.int("weight", -TRACK_SCRIPT.maxWeight, TRACK_SCRIPT.maxWeight, 0),
    reverse: r.bool("reverse", false),
    rise: r.int("rise", 1, MAX_SCRIPT_COUNT, 1),
    fall: r.int("fall", 1, MAX_SCRIPT_COUNT, 1),
    initFail: r.bool("init_fail", false),
  };
  if (script.timeoutMs !== null && script.timeoutMs > intervalMs) {
    problems.warn(r.at("timeout"), "is longer than interval: a run that hangs delays the next one");
  }
  return script;
}
