// Programs in the config: vrrp scripts and notify commands, written as a command line string or as a table
// {command, user, group} (keepalived's `notify_master "/path arg" user group`).

import { splitCommandLine } from "../process/command-line.ts";
import type { PathSegment } from "./key-path.ts";
import type { Command, NotifyCommands, RunAs } from "./schema.ts";
import { describeValue, isTable, TableReader } from "./table-reader.ts";

const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;

/** keepalived's `user [group]` in one string. */
export function readRunAs(reader: TableReader, key: string): RunAs | null {
  const text = reader.optString(key, "a user name");
  if (text === null) return null;
  return parseRunAs(reader, reader.at(key), text);
}

function parseRunAs(reader: TableReader, path: PathSegment[], text: string): RunAs | null {
  const words = text.trim().split(/\s+/);
  if (words.length > 2 || !words.every((w) => USER_NAME.test(w))) {
    reader.problems.error(path, `must be "USER" or "USER GROUP", got ${JSON.stringify(text)}`);
    return null;
  }
  return { user: words[0]!, group: words[1] ?? null };
}

export function readCommand(reader: TableReader, key: string): Command | null {
  const value = reader.table[key];
  if (value === undefined) return null;
  const path = reader.at(key);
  if (typeof value === "string") return commandOf(reader, path, value, null);
  if (isTable(value)) {
    const inner = new TableReader(reader.problems, path, value, ["command", "user", "group"]);
    const raw = inner.requiredString("command", "a command line");
    const user = inner.optString("user", "a user name");
    const group = inner.optString("group", "a group name");
    if (group !== null && user === null) reader.problems.error(inner.at("group"), "needs user as well");
    const runAs = user === null ? null : parseRunAs(inner, inner.at("user"), group === null ? user : `${user} ${group}`);
    return raw === null ? null : commandOf(inner, inner.at("command"), raw, runAs);
  }
  reader.problems.error(path, `must be a command line string or a table {command, user, group}, got ${describeValue(value)}`);
  return null;
}

function commandOf(reader: TableReader, path: PathSegment[], raw: string, runAs: RunAs | null): Command | null {
  const split = splitCommandLine(raw);
  if (!split.ok) {
    reader.problems.error(path, `command line ${split.reason}`);
    return null;
  }
  return { raw, argv: split.argv, runAs };
}

export const NOTIFY_KEYS = ["notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"] as const;

export function readNotify(reader: TableReader): NotifyCommands {
  return {
    master: readCommand(reader, "notify_master"),
    backup: readCommand(reader, "notify_backup"),
    fault: readCommand(reader, "notify_fault"),
    stop: readCommand(reader, "notify_stop"),
    any: readCommand(reader, "notify"),
  };
}
