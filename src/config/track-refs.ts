// track_interface / track_script / track_file entries: "NAME", "NAME weight -20", "NAME weight 10 reverse",
// or a table {name, weight, reverse}.

import type { PathSegment } from "./key-path.ts";
import type { TrackRef } from "./schema.ts";
import { describeValue, isTable, TableReader } from "./table-reader.ts";

export interface TrackKind {
  key: "track_interface" | "track_script" | "track_file" | "track_process";
  /** What NAME is, for messages. */
  what: string;
  maxWeight: number;
}

export const TRACK_INTERFACE: TrackKind = { key: "track_interface", what: "interface name", maxWeight: 253 };
export const TRACK_SCRIPT: TrackKind = { key: "track_script", what: "script name (a [scripts.NAME] table)", maxWeight: 253 };
export const TRACK_FILE: TrackKind = { key: "track_file", what: "track file name (a [track_files.NAME] table)", maxWeight: 254 };
export const TRACK_PROCESS: TrackKind = {
  key: "track_process",
  what: "track process name (a [track_processes.NAME] table)",
  maxWeight: 254,
};

export interface TrackRefAt {
  ref: TrackRef;
  path: PathSegment[];
}

export function readTrackRefs(reader: TableReader, kind: TrackKind): TrackRefAt[] {
  const out: TrackRefAt[] = [];
  reader.list(kind.key, `${kind.what}s`).forEach((item, i) => {
    const path = reader.at(kind.key).concat(i);
    let ref: TrackRef | null = null;
    if (typeof item === "string") ref = fromString(reader, path, item, kind);
    else if (isTable(item)) ref = fromTable(reader, path, item, kind);
    else {
      const forms = '"NAME", "NAME weight N [reverse]" or a table {name, weight, reverse}';
      reader.problems.error(path, `must be ${forms}, got ${describeValue(item)}`);
    }
    if (ref) out.push({ ref, path });
  });
  return out;
}

function fromString(reader: TableReader, path: PathSegment[], text: string, kind: TrackKind): TrackRef | null {
  const words = text.trim().split(/\s+/);
  const name = words[0] ?? "";
  if (name === "") {
    reader.problems.error(path, `must start with a ${kind.what}`);
    return null;
  }
  const ref: TrackRef = { name, weight: null, reverse: null };
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === "weight") {
      const weight = weightOf(words[++i], kind);
      if (weight === null) {
        reader.problems.error(path, `weight must be an integer from -${kind.maxWeight} to ${kind.maxWeight}, in ${JSON.stringify(text)}`);
        return null;
      }
      ref.weight = weight;
    } else if (word === "reverse" || word === "noreverse" || word === "no_reverse") {
      ref.reverse = word === "reverse";
    } else {
      reader.problems.error(path, `unexpected "${word}"; the form is "NAME [weight N] [reverse|noreverse]"`);
      return null;
    }
  }
  return ref;
}

function weightOf(word: string | undefined, kind: TrackKind): number | null {
  if (word === undefined || !/^[-+]?\d+$/.test(word)) return null;
  const weight = Number(word);
  return Math.abs(weight) <= kind.maxWeight ? weight : null;
}

function fromTable(reader: TableReader, path: PathSegment[], table: Record<string, unknown>, kind: TrackKind): TrackRef | null {
  const r = new TableReader(reader.problems, path, table, ["name", "weight", "reverse"]);
  const name = r.requiredString("name", `a ${kind.what}`);
  const weight = r.optInt("weight", -kind.maxWeight, kind.maxWeight);
  const reverse = r.has("reverse") ? r.bool("reverse", false) : null;
  return name === null ? null : { name, weight, reverse };
}
