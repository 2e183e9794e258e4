// Loads vipd's TOML configuration: parse, validate every section, check across sections. Never throws: all
// problems come back as ConfigErrors, sorted by line, so one run shows everything to fix.

import { readFileSync } from "node:fs";
import { Problems, type ConfigError, type ConfigWarning, type RaisedProblem } from "./config-error.ts";
import {
  checkNotifyFifoScripts,
  checkPrograms,
  warnUncheckedRootScripts,
  checkSyncGroups,
  checkTrackNames,
  checkUnused,
  checkMail,
  checkVrids,
  checkVmacNames,
  zeroGroupedWeights,
  type Declared,
} from "./cross-checks.ts";
import { readGlobal } from "./global-section.ts";
import { readMetrics } from "./metrics-section.ts";
import { readInstance } from "./instance-section.ts";
import { scanKeyLines } from "./key-lines.ts";
import { type RealpathFn, systemRealpath, systemStat, type StatFn } from "./program-check.ts";
import type { VipdConfig, VirtualServerSection } from "./schema.ts";
import { readScript } from "./script-section.ts";
import { didYouMean } from "./suggest.ts";
import { readSyncGroup } from "./sync-group-section.ts";
import { describeValue, isTable, type TomlTable } from "./table-reader.ts";
import { parseToml } from "./toml-parse.ts";
import { describeSyntaxError } from "./toml-syntax.ts";
import { trackFilesNotChecked } from "./file-check-section.ts";
import { readTrackFile } from "./track-file-section.ts";
import { readTrackProcess } from "./track-process-section.ts";
import { readVirtualServerGroup } from "./virtual-server-group-section.ts";
import { readVirtualServer, type VirtualServerContext } from "./virtual-server-section.ts";
import { checkVirtualServers } from "./virtual-server-checks.ts";

export interface LoadOptions {
  /** File status for the program checks; defaults to node:fs stat. */
  stat?: StatFn;
  /** Symbolic links resolved for the program checks; defaults to node:fs realpath. */
  realpath?: RealpathFn;
  /** Where programs named without a slash are looked for; defaults to $PATH. */
  searchPath?: string;
  /** false skips the program checks (existence, mode), e.g. to validate a config for another host. */
  checkPrograms?: boolean;
}

export type LoadResult =
  | { ok: true; config: VipdConfig; warnings: ConfigWarning[] }
  | { ok: false; errors: ConfigError[]; warnings: ConfigWarning[] };

const SECTIONS = [
  "global",
  "instances",
  "sync_groups",
  "scripts",
  "track_files",
  "track_processes",
  "metrics",
  "virtual_servers",
  "virtual_server_groups",
];
const DEFAULT_SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * A virtual server read before from identical text (src/config/config-loader.ts): given back instead of read
 * again, with what reading it raised; and every one read now, remembered for the next load.
 */
export interface VirtualServerMemo {
  reused(name: string): ReadVirtualServer | undefined;
  remember(name: string, read: ReadVirtualServer): void;
}

export interface ReadVirtualServer {
  section: VirtualServerSection;
  raised: readonly RaisedProblem[];
}

export function loadConfigFile(path: string, options: LoadOptions = {}): LoadResult {
  const read = readConfigText(path);
  return typeof read === "string" ? loadConfigText(read, path, options) : read;
}

/** The file's text, or the failed load that says why it cannot be read. */
export function readConfigText(path: string): string | LoadResult {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return { ok: false, errors: [{ file: path, line: 0, keyPath: "", message: `cannot read the file (${reason})` }], warnings: [] };
  }
}

export function loadConfigText(text: string, file: string, options: LoadOptions = {}, memo?: VirtualServerMemo): LoadResult {
  let root: TomlTable;
  try {
    root = parseToml(text);
  } catch (e) {
    const problem = describeSyntaxError(text, e, parsesAsValue);
    return {
      ok: false,
      errors: [{ file, line: problem.line, column: problem.column, keyPath: "", message: problem.message }],
      warnings: [],
    };
  }
  return loadParsedConfig(root, text, file, options, memo);
}

/** Validates a parsed file; `text` is the file's whole text (problems are placed on its lines). */
export function loadParsedConfig(root: TomlTable, text: string, file: string, options: LoadOptions, memo?: VirtualServerMemo): LoadResult {
  const problems = new Problems(file, scanKeyLines(text));
  try {
    const config = validate(problems, root, options, memo);
    const errors = byLine(problems.errors);
    const warnings = byLine(problems.warnings);
    return errors.length === 0 ? { ok: true, config, warnings } : { ok: false, errors, warnings };
  } catch (e) {
    // A bug in a validator must still not escape to the caller.
    const message = `internal error while validating: ${(e as Error).message}`;
    return { ok: false, errors: [...problems.errors, { file, line: 0, keyPath: "", message }], warnings: problems.warnings };
  }
}

/** Whether `value` is one TOML value (for the syntax error's "write it quoted" hint). */
function parsesAsValue(value: string): boolean {
  try {
    parseToml(`v = ${value}`);
    return true;
  } catch {
    return false;
  }
}

function byLine(list: ConfigError[]): ConfigError[] {
  return list
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.i - b.i)
    .map((x) => x.e);
}

function validate(problems: Problems, root: TomlTable, options: LoadOptions, memo: VirtualServerMemo | undefined): VipdConfig {
  for (const key of Object.keys(root)) {
    if (!SECTIONS.includes(key)) problems.error([key], `unknown section${didYouMean(key, SECTIONS)}; allowed: ${SECTIONS.join(", ")}`);
  }
  const globalTable = section(problems, root, "global");
  const global = readGlobal(problems, globalTable);
  const instanceTables = namedTables(problems, root, "instances");
  const groupTables = namedTables(problems, root, "sync_groups");
  const scriptTables = namedTables(problems, root, "scripts");
  const fileTables = namedTables(problems, root, "track_files");
  const processTables = namedTables(problems, root, "track_processes");
  const metrics = readMetrics(problems, root.metrics === undefined ? undefined : section(problems, root, "metrics"));
  const declared: Declared = {
    instances: instanceTables.map(([name]) => name),
    scripts: scriptTables.map(([name]) => name),
    trackFiles: fileTables.map(([name]) => name),
    trackProcesses: processTables.map(([name]) => name),
  };
  const vsTables = namedTables(problems, root, "virtual_servers");
  const vsgTables = namedTables(problems, root, "virtual_server_groups");
  const noInstances = root.instances === undefined || (isTable(root.instances) && Object.keys(root.instances).length === 0);
  // A pure load balancer (keepalived with only virtual_server blocks) needs no VRRP instance.
  if (noInstances && vsTables.length === 0) {
    problems.error(["instances"], "missing; define at least one [instances.NAME] or [virtual_servers.NAME]");
  }

  // Sections are read also when they have errors, so the checks across sections still run on them.
  const scripts = scriptTables.map(([name, t]) => readScript(problems, name, t));
  const trackFiles = fileTables.map(([name, t]) => readTrackFile(problems, name, t));
  const trackProcesses = processTables.map(([name, t]) => readTrackProcess(problems, name, t));
  const garpFollow = { delay: !("garp_lower_prio_delay" in globalTable), repeat: !("garp_lower_prio_repeat" in globalTable) };
  const instances = instanceTables.map(([name, t]) => readInstance(problems, name, t, global, garpFollow));
  const groups = groupTables.map(([name, t]) => readSyncGroup(problems, name, t, global));
  const virtualServerGroups = vsgTables.map(([name, t]) => readVirtualServerGroup(problems, name, t));
  const vsContext: VirtualServerContext = {
    smtpAlertRealServers: global.smtpAlertChecker,
    smtpAlertVirtualServers: global.smtpAlertVirtualServers,
    trackFiles,
  };
  const virtualServers = vsTables.map(([name, t]) => readVirtualServerOnce(problems, name, t, vsContext, memo));
  checkVirtualServers(problems, virtualServers, virtualServerGroups);

  checkVrids(problems, instances);
  checkVmacNames(problems, instances);
  checkTrackNames(problems, instances, declared);
  checkSyncGroups(problems, groups, declared);
  zeroGroupedWeights(problems, instances, groups, scripts, trackFiles, trackProcesses);
  checkUnused(problems, instances, scripts, trackFilesNotChecked(trackFiles, virtualServers), trackProcesses);
  checkMail(problems, global, instances, groups, virtualServers);
  checkNotifyFifoScripts(problems, instances);
  warnUncheckedRootScripts(problems, global, instances, groups, scripts, virtualServers);
  if (options.checkPrograms !== false) {
    checkPrograms(
      problems,
      instances,
      groups,
      scripts,
      virtualServers,
      {
        stat: options.stat ?? systemStat,
        realpath: options.realpath ?? systemRealpath,
        searchPath: options.searchPath ?? process.env.PATH ?? DEFAULT_SEARCH_PATH,
        security: global.enableScriptSecurity,
      },
      global,
    );
  }
  return {
    global,
    instances: instances.map((r) => r.instance),
    syncGroups: groups.map((g) => g.group),
    scripts,
    metrics,
    trackFiles,
    trackProcesses,
    virtualServers,
    virtualServerGroups,
  };
}

/** A virtual server from the memo when its text is unchanged, else read (and remembered). */
function readVirtualServerOnce(
  problems: Problems,
  name: string,
  table: TomlTable,
  context: VirtualServerContext,
  memo: VirtualServerMemo | undefined,
): VirtualServerSection {
  const kept = memo?.reused(name);
  if (kept !== undefined) {
    problems.raise(kept.raised);
    return kept.section;
  }
  const { value, raised } = problems.recording(() => readVirtualServer(problems, name, table, context));
  memo?.remember(name, { section: value, raised });
  return value;
}

function section(problems: Problems, root: TomlTable, key: string): TomlTable {
  const value = root[key];
  if (value === undefined) return {};
  if (isTable(value)) return value;
  problems.error([key], `must be a table [${key}], got ${describeValue(value)}`);
  return {};
}

/** `[instances.NAME]` tables: a table of tables keyed by name. */
function namedTables(problems: Problems, root: TomlTable, key: string): [string, TomlTable][] {
  const value = root[key];
  if (value === undefined) return [];
  if (!isTable(value)) {
    const hint = Array.isArray(value) ? ` (write [${key}.NAME] tables, not [[${key}]])` : "";
    problems.error([key], `must be tables named [${key}.NAME], got ${describeValue(value)}${hint}`);
    return [];
  }
  const out: [string, TomlTable][] = [];
  for (const [name, table] of Object.entries(value)) {
    if (isTable(table)) out.push([name, table]);
    else problems.error([key, name], `must be a table [${key}.${name}], got ${describeValue(table)}`);
  }
  return out;
}
