// A real server's FILE_CHECK table: keepalived's FILE_CHECK block, which names a track_file (vipd's
// [track_files.NAME]) and may give its own weight. As in keepalived 2.2.7, a weight written here comes with its own
// reverse (false unless written); without one, both are the track file's.

import type { FileCheck } from "../check/check-definition.ts";
import type { TrackFileSection, VirtualServerSection } from "./schema.ts";
import type { TableReader } from "./table-reader.ts";

export const FILE_CHECK_KEYS = ["track_file", "weight", "reverse"];
/** keepalived's IPVS_WEIGHT_LIMIT: a FILE_CHECK's own weight may be anything a real server's weight may be, negated too. */
const MAX_WEIGHT = 2147483647;

export function readFileCheck(r: TableReader, trackFiles: readonly TrackFileSection[]): FileCheck | null {
  const name = r.requiredString("track_file", "the name of a [track_files.NAME]");
  const weight = r.optInt("weight", -MAX_WEIGHT, MAX_WEIGHT);
  const reverse = r.has("reverse") ? r.bool("reverse", false) : null;
  if (reverse !== null && weight === null) {
    r.problems.error(r.at("reverse"), "only with weight here (without it the track file's weight and reverse apply)");
  }
  if (name === null) return null;
  const file = trackFiles.find((f) => f.name === name);
  if (file === undefined) {
    const known = trackFiles.map((f) => f.name);
    r.problems.error(
      r.at("track_file"),
      `${JSON.stringify(name)}: no such [track_files.NAME]${known.length > 0 ? `; defined: ${known.join(", ")}` : ""}`,
    );
    return null;
  }
  return {
    kind: "FILE_CHECK",
    trackFile: name,
    path: file.file,
    weight: weight ?? file.weight,
    reverse: weight === null ? file.reverse : (reverse ?? false),
  };
}

/** The track files no FILE_CHECK reads (for the warning about files nothing reads). */
export function trackFilesNotChecked(
  trackFiles: readonly TrackFileSection[],
  virtualServers: readonly VirtualServerSection[],
): TrackFileSection[] {
  if (trackFiles.length === 0) return [];
  const read = new Set<string>();
  for (const vs of virtualServers) {
    for (const rs of vs.realServers)
      for (const { definition } of rs.checks) if (definition.kind === "FILE_CHECK") read.add(definition.trackFile);
  }
  return trackFiles.filter((f) => !read.has(f.name));
}
