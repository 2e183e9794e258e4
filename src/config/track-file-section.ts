// [track_files.NAME]: a file holding a number that adjusts priority (keepalived's track_file).

import type { Problems } from "./config-error.ts";
import type { TrackFileSection } from "./schema.ts";
import { describeValue, isTable, TableReader, type TomlTable } from "./table-reader.ts";
import { TRACK_FILE } from "./track-refs.ts";

export const TRACK_FILE_KEYS = ["file", "weight", "reverse", "init_file"];
/** keepalived reads the file as a signed 32-bit number. */
const VALUE_MAX = 2147483647;

export function readTrackFile(problems: Problems, name: string, table: TomlTable): TrackFileSection {
  const r = new TableReader(problems, ["track_files", name], table, TRACK_FILE_KEYS);
  const file = r.requiredString("file", "an absolute path");
  if (file !== null && !file.startsWith("/")) problems.error(r.at("file"), `must be an absolute path, got ${JSON.stringify(file)}`);
  const section: TrackFileSection = {
    name,
    file: file ?? "",
    weight: r.int("weight", -TRACK_FILE.maxWeight, TRACK_FILE.maxWeight, 1),
    reverse: r.bool("reverse", false),
    initFile: readInitFile(r),
  };
  return section;
}

/** `init_file = 0` or `init_file = { value = 0, overwrite = true }`. */
function readInitFile(r: TableReader): TrackFileSection["initFile"] {
  const value = r.table.init_file;
  if (value === undefined) return null;
  if (typeof value === "number") {
    return { value: r.int("init_file", -VALUE_MAX, VALUE_MAX, 0), overwrite: false };
  }
  if (isTable(value)) {
    const t = new TableReader(r.problems, r.at("init_file"), value, ["value", "overwrite"]);
    return { value: t.int("value", -VALUE_MAX, VALUE_MAX, 0), overwrite: t.bool("overwrite", false) };
  }
  r.problems.error(r.at("init_file"), `must be a number or a table {value, overwrite}, got ${describeValue(value)}`);
  return null;
}
