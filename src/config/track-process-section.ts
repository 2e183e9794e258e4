// [track_processes.NAME]: a process whose running count adjusts priority (keepalived's vrrp_track_process).

import type { Problems } from "./config-error.ts";
import type { TrackProcessSection } from "./schema.ts";
import { TableReader, type TomlTable } from "./table-reader.ts";
import { TRACK_PROCESS } from "./track-refs.ts";

export const TRACK_PROCESS_KEYS = [
  "process",
  "parameters",
  "param_match",
  "full_command",
  "weight",
  "reverse",
  "quorum",
  "quorum_max",
  "delay",
  "fork_delay",
  "terminate_delay",
];

/** keepalived's limits. */
const MAX_QUORUM = 65535;
const MAX_DELAY_S = 3600;
/** The kernel keeps 15 characters of a process name (TASK_COMM_LEN 16, with the NUL). */
const COMM_LENGTH = 15;

export function readTrackProcess(problems: Problems, name: string, table: TomlTable): TrackProcessSection {
  const r = new TableReader(problems, ["track_processes", name], table, TRACK_PROCESS_KEYS);
  const process = r.requiredString("process", "a process name (or argv[0] with full_command)") ?? "";
  const parameters = r.stringList("parameters", "the command's parameters").map((p) => p.value);
  // keepalived: parameters, or param_match, mean the command line is compared (an exact match unless told).
  const paramMatch = r.has("param_match")
    ? r.oneOf("param_match", ["exact", "partial", "initial"] as const, "exact")
    : parameters.length > 0
      ? "exact"
      : "none";
  const fullCommand = r.bool("full_command", false) || paramMatch !== "none";
  if (r.has("full_command") && !r.bool("full_command", false) && paramMatch !== "none") {
    problems.error(r.at("full_command"), "false, but parameters are compared with the command line, which needs it");
  }
  if (!fullCommand && process.length > COMM_LENGTH) {
    problems.warn(
      r.at("process"),
      `is longer than the ${COMM_LENGTH} characters the kernel keeps of a process name: it never matches without full_command = true`,
    );
  }
  const quorumMaxSet = r.has("quorum_max");
  const quorumMax = quorumMaxSet ? r.int("quorum_max", 0, MAX_QUORUM, MAX_QUORUM) : null;
  // keepalived: quorum_max = 0 (the process must not run at all) makes the quorum 0.
  const quorum = quorumMax === 0 && !r.has("quorum") ? 0 : r.int("quorum", 1, MAX_QUORUM, 1);
  if (quorumMax !== null && quorumMax < quorum) problems.error(r.at("quorum_max"), `${quorumMax} is below quorum ${quorum}`);
  const delayMs = r.seconds("delay", 0, MAX_DELAY_S, 0);
  return {
    name,
    process,
    parameters,
    paramMatch,
    fullCommand,
    weight: r.int("weight", -TRACK_PROCESS.maxWeight, TRACK_PROCESS.maxWeight, 1),
    reverse: r.bool("reverse", false),
    quorum,
    quorumMax,
    forkDelayMs: r.seconds("fork_delay", 0, MAX_DELAY_S, delayMs),
    terminateDelayMs: r.seconds("terminate_delay", 0, MAX_DELAY_S, delayMs),
  };
}
