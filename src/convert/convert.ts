// keepalived.conf → vipd TOML. Reads the file with its includes, maps block by block in source order, then
// resolves the names blocks refer to each other by, as keepalived does once everything is read. Never throws.

import packageJson from "../../package.json" with { type: "json" };
import { ConvertContext, type Finding } from "./convert-context.ts";
import { countStaticRules, RulePreferences } from "./map-addresses.ts";
import { dropUnknownFileChecks } from "./map-checker.ts";
import { mapGarpGroup } from "./map-garp-group.ts";
import { mapLinkDelays } from "./map-link-delays.ts";
import { mapTrackProcess } from "./map-track-process.ts";
import { mapGlobalDefs, newGlobalDefaults, writeKeepalivedDefaults } from "./map-global.ts";
import { mapInstance, type InstanceInfo, type TrackRefNode } from "./map-instance.ts";
import { mapTrackFile, mapVrrpScript } from "./map-scripts.ts";
import { mapSyncGroup, type SyncGroupInfo } from "./map-sync-group.ts";
import {
  type GroupInfo,
  mapVirtualServer,
  mapVirtualServerGroup,
  resolveVirtualServers,
  type VirtualServerInfo,
  writePlainRealServersAsRows,
} from "./map-virtual-server.ts";
import { parseConfig } from "./parser.ts";
import type { FileSystem } from "./source.ts";
import { TomlDocument, type TomlSection } from "./toml-writer.ts";
import type { ConfNode, Diagnostic } from "./types.ts";
import { TOP_LEVEL_UNSUPPORTED } from "./unsupported-keywords.ts";

export interface ConvertOptions {
  fs?: FileSystem;
  /** keepalived's `-i`: which `@id` lines are kept. */
  configIds?: string[];
}

export interface ConvertResult {
  /** null when there were errors: broken input gets no TOML. */
  toml: string | null;
  findings: Finding[];
  errors: Diagnostic[];
  /** Something that changes failover or traffic behaviour was not converted. */
  lossy: boolean;
}

export const VIPD_VERSION: string = packageJson.version;

/** Block keywords that define a named section, and what the name must be unique among. */
const NAMED_BLOCKS: Record<string, string> = {
  vrrp_instance: "vrrp_instance",
  vrrp_script: "vrrp_script",
  track_file: "track_file",
  vrrp_track_file: "track_file",
  vrrp_track_process: "vrrp_track_process",
  vrrp_sync_group: "vrrp_sync_group",
  virtual_server_group: "virtual_server_group",
};

export function convertKeepalived(entry: string, options: ConvertOptions = {}): ConvertResult {
  const parsed = parseConfig(entry, { fs: options.fs, configIds: options.configIds });
  const readerFindings: Finding[] = parsed.warnings.map((w) => ({ ...w, keyword: "", lossy: false }));
  if (!parsed.ok) return { toml: null, findings: readerFindings, errors: parsed.errors, lossy: false };

  const doc = new TomlDocument();
  const ctx = new ConvertContext(doc, entry);
  ctx.findings.push(...readerFindings);
  writeHeader(doc, entry, options.configIds ?? []);
  const global = doc.table(["global"]);
  const defaults = newGlobalDefaults();
  // Global settings are defaults for instances, whichever comes first in the file.
  for (const node of parsed.nodes) if (node.keyword === "global_defs") mapGlobalDefs(ctx, global, node, defaults);

  const preferences = new RulePreferences();
  const seen = new Map<string, ConfNode>();
  const instances: InstanceInfo[] = [];
  const groups: SyncGroupInfo[] = [];
  const scripts = new Set<string>();
  const trackFiles = new Set<string>();
  const trackProcesses = new Set<string>();
  const virtualServers: VirtualServerInfo[] = [];
  const vsGroups = new Map<string, GroupInfo>();
  for (const node of parsed.nodes) {
    const kind = NAMED_BLOCKS[node.keyword];
    if (kind !== undefined && isDuplicate(ctx, seen, kind, node)) continue;
    switch (node.keyword) {
      case "global_defs":
        break;
      case "vrrp_instance": {
        const info = mapInstance(ctx, doc, node, defaults, preferences);
        if (info) instances.push(info);
        break;
      }
      case "vrrp_script": {
        const name = mapVrrpScript(ctx, doc, node);
        if (name !== null) scripts.add(name);
        break;
      }
      case "track_file":
      case "vrrp_track_file": {
        const name = mapTrackFile(ctx, doc, node);
        if (name !== null) trackFiles.add(name);
        break;
      }
      case "vrrp_track_process": {
        const name = mapTrackProcess(ctx, doc, node);
        if (name !== null) trackProcesses.add(name);
        break;
      }
      case "vrrp_sync_group": {
        const info = mapSyncGroup(ctx, doc, node);
        if (info) groups.push(info);
        break;
      }
      case "virtual_server": {
        const info = mapVirtualServer(ctx, doc, node);
        if (info) virtualServers.push(info);
        break;
      }
      case "interface_up_down_delays":
        mapLinkDelays(ctx, global, node);
        break;
      case "garp_group":
        mapGarpGroup(ctx, global, node);
        break;
      case "virtual_server_group": {
        const info = mapVirtualServerGroup(ctx, doc, node);
        if (info) vsGroups.set(info.name, info);
        break;
      }
      default:
        mapOtherTopLevel(ctx, doc, node, preferences);
    }
  }
  // After the top-level blocks that add to [global] (interface_up_down_delays, garp_group), so these notes end it.
  writeKeepalivedDefaults(global);
  for (const info of instances) {
    dropMissingRefs(ctx, info.section, "track_script", info.trackScripts, scripts, "vrrp_script");
    dropMissingRefs(ctx, info.section, "track_file", info.trackFiles, trackFiles, "track_file");
    dropMissingRefs(ctx, info.section, "track_process", info.trackProcesses, trackProcesses, "vrrp_track_process");
  }
  resolveGroupMembers(ctx, doc, groups, new Set(instances.map((i) => i.name)));
  resolveVirtualServers(ctx, doc, virtualServers, vsGroups);
  dropUnknownFileChecks(ctx, doc, trackFiles);
  writePlainRealServersAsRows(doc, virtualServers);
  const findings = ctx.sortedFindings();
  if (instances.length === 0 && virtualServers.length === 0 && ctx.errors.length === 0) {
    findings.push({
      file: entry,
      line: 0,
      keyword: "vrrp_instance",
      message: "none in the file, and no virtual_server: the output does not load until an instance or virtual server is added",
      lossy: true,
    });
  }
  const lossy = findings.some((f) => f.lossy);
  if (ctx.errors.length > 0) return { toml: null, findings, errors: ctx.errors, lossy };
  return { toml: doc.render(), findings, errors: [], lossy };
}

function writeHeader(doc: TomlDocument, entry: string, configIds: string[]): void {
  doc.header.push(`vipd configuration converted from ${entry} by vipd convert (vipd ${VIPD_VERSION}).`);
  if (configIds.length > 0) doc.header.push(`keepalived config ids (-i): ${configIds.join(", ")}`);
  doc.header.push(
    `Comments starting "keepalived line N" are about options vipd does not support or that keepalived adjusts`,
    "itself; the same text was printed as warnings. See config.toml.example for every vipd key.",
  );
}

function isDuplicate(ctx: ConvertContext, seen: Map<string, ConfNode>, kind: string, node: ConfNode): boolean {
  const name = node.args[0];
  if (name === undefined) return false;
  const key = `${kind}\0${name}`;
  const first = seen.get(key);
  if (first === undefined) {
    seen.set(key, node);
    return false;
  }
  ctx.error(node, `${node.keyword} ${name}: already defined at ${first.file}:${first.line}`);
  return true;
}

function mapOtherTopLevel(ctx: ConvertContext, doc: TomlDocument, node: ConfNode, preferences: RulePreferences): void {
  const known = Object.hasOwn(TOP_LEVEL_UNSUPPORTED, node.keyword) ? TOP_LEVEL_UNSUPPORTED[node.keyword] : undefined;
  if (known === undefined) {
    ctx.error(node, `unknown top-level ${node.children === null ? "keyword" : "block"} '${node.keyword}'`);
    return;
  }
  if (node.keyword === "static_rules") countStaticRules(node.children ?? [], preferences);
  const comments = doc.comments();
  ctx.unsupported(comments, node, known.did, known.lossy);
  // Static addresses, routes and rules are to be configured in the OS: list them there, ready to copy.
  if (node.keyword.startsWith("static_")) {
    for (const child of node.children ?? []) comments.comment(`  ${[child.keyword, ...child.args].join(" ")}`);
  }
}

/** keepalived ignores a track_script / track_file naming nothing ("not found, ignoring"); so does vipd's config. */
function dropMissingRefs(
  ctx: ConvertContext,
  section: TomlSection,
  key: string,
  refs: TrackRefNode[],
  declared: Set<string>,
  what: string,
): void {
  const missing = refs.filter((r) => !declared.has(r.name));
  if (missing.length === 0) return;
  const value = section.get(key);
  const entries = Array.isArray(value)
    ? value.filter((v) => typeof v !== "string" || !missing.some((m) => v.split(" ")[0] === m.name))
    : [];
  if (entries.length > 0) section.set(key, entries);
  for (const ref of missing) {
    const message = `${ref.name}: no such ${what}; keepalived 2.2.7 ignores the reference ("not found, ignoring"), left out`;
    if (entries.length > 0) ctx.warnAfter(section, key, ref.node, message, false, key);
    else ctx.warn(null, ref.node, message, false, key);
  }
  if (entries.length === 0) {
    section.delete(key);
    for (const ref of missing) section.comment(`${ctx.where(ref.node)}: ${key} ${ref.name}: no such ${what}, left out`);
  }
}

function resolveGroupMembers(ctx: ConvertContext, doc: TomlDocument, groups: SyncGroupInfo[], instances: Set<string>): void {
  for (const group of groups) {
    const missing = group.members.filter((m) => !instances.has(m.name));
    if (missing.length === 0) continue;
    const kept = group.members.filter((m) => instances.has(m.name)).map((m) => m.name);
    for (const m of missing) {
      ctx.warn(
        group.section,
        m.node,
        `${m.name}: no such vrrp_instance; keepalived 2.2.7 leaves it out of the group, so does the conversion`,
        false,
        "group",
      );
    }
    if (kept.length > 0) {
      group.section.set("group", kept);
      continue;
    }
    const comments = doc.dropTable(group.section);
    ctx.warn(comments, group.node, `${group.name}: no member left; keepalived 2.2.7 drops the group, so does the conversion`);
  }
}
