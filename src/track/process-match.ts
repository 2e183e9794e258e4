// Which running processes a track_process counts, as keepalived 2.2.7 decides it: the name compared exactly with
// the process's comm (what /proc/PID/stat shows, at most 15 characters), or with argv[0] under full_command;
// parameters compared with the rest of the command line by param_match. Zombies do not count.

export type ParamMatch = "none" | "exact" | "partial" | "initial";

export interface ProcessPattern {
  process: string;
  parameters: readonly string[];
  paramMatch: ParamMatch;
  fullCommand: boolean;
}

export interface ProcStat {
  comm: string;
  /** One letter: R, S, D, Z, ... */
  state: string;
  /** Field 22, clock ticks after boot: with the PID, names one process for good. */
  startTicks: number;
}

/** /proc/PID/stat: "PID (COMM) STATE ..."; COMM may itself hold spaces and parentheses. null when malformed. */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(" ");
  const state = rest[0];
  const startTicks = Number(rest[19]);
  if (!state || !Number.isFinite(startTicks)) return null;
  return { comm: text.slice(open + 1, close), state, startTicks };
}

/** /proc/PID/cmdline: NUL-separated words (a trailing NUL ends the last). */
export function parseCmdline(text: string): string[] {
  const words = text.split("\0");
  if (words.length > 0 && words[words.length - 1] === "") words.pop();
  return words;
}

/** `argv` is null when the pattern does not need it (no full_command). */
export function matchesProcess(pattern: ProcessPattern, comm: string, argv: readonly string[] | null): boolean {
  if (pattern.fullCommand) {
    if (argv === null || argv[0] !== pattern.process) return false;
  } else if (comm !== pattern.process) {
    return false;
  }
  if (pattern.paramMatch === "none") return true;
  return paramsMatch(pattern, (argv ?? []).slice(1));
}

function paramsMatch(pattern: ProcessPattern, actual: readonly string[]): boolean {
  const wanted = pattern.parameters;
  if (pattern.paramMatch === "exact") return actual.length === wanted.length && wanted.every((w, i) => actual[i] === w);
  if (wanted.length === 0) return true;
  if (actual.length < wanted.length) return false;
  const last = wanted.length - 1;
  for (let i = 0; i < last; i++) if (actual[i] !== wanted[i]) return false;
  // initial: the last parameter may be longer than the one configured.
  return pattern.paramMatch === "partial" ? actual[last] === wanted[last] : actual[last]!.startsWith(wanted[last]!);
}
