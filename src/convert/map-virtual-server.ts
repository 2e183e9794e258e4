// virtual_server → [virtual_servers.NAME] with [[virtual_servers.NAME.real_servers]], and virtual_server_group →
// [virtual_server_groups.NAME]. keepalived names no virtual server; the table is named after its address
// ("192.0.2.1:80", "[2001:db8::1]:80", "fwmark 5", "group NAME"). Where keepalived 2.2.7 corrects a setting with a
// warning (a DR port, a missing protocol), the conversion writes what keepalived ends up doing and says so.
// Health checkers are mapped by map-checker.ts; the settings of checker features not built yet are reported.

import { parseAddress } from "../config/address.ts";
import { parseMember } from "../config/virtual-server-group-section.ts";
import { LB_ALGOS } from "../config/virtual-server-section.ts";
import { mapNotify } from "./notify-command.ts";
import { CHECKER_KINDS_NOT_YET, checkerBlockHandlers, checkerSettingHandlers } from "./map-checker.ts";
import type { ConvertContext } from "./convert-context.ts";
import { blockName } from "./map-scripts.ts";
import { type TomlDocument, TomlSection, type TomlValue } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { boolArg, firstArg, intArg } from "./values.ts";
import { type Handler, walkBlock } from "./walk-block.ts";
import type { Unsupported } from "./unsupported-keywords.ts";

const MAX_U32 = 4294967295;
const MAX_WEIGHT = 2147483647;
const MAX_TIMEOUT_S = 86400 * 31;
const DEFAULT_PERSISTENCE_S = 360;
const CHECKER_BLOCK = "health checker not converted yet (vipd's issue #17): without it the real server is always up";
const CHECKER_SETTING = "health checker setting not converted yet (vipd's issue #17)";
// Checker features vipd refuses until they are built: reported, not written.
const RS_CHECKER_SETTINGS: string[] = [];
const VS_CHECKER_SETTINGS: string[] = [];

const u = (did: string, lossy: boolean): Unsupported => ({ did, lossy });
const VS_UNSUPPORTED: Record<string, Unsupported> = {
  snmp_name: u("named the virtual server in SNMP", false),
  "flag-3": u("set scheduler flag 3, which no kernel scheduler uses", false),
};

/** Checker blocks (lossy: they decide which servers get traffic) and checker settings, reported as not yet converted. */
function checkerHandlers(
  ctx: ConvertContext,
  section: TomlSection,
  settings: readonly string[],
  blocks: readonly string[],
): Record<string, Handler> {
  return Object.fromEntries([
    ...blocks.map((k) => [k, (n: ConfNode) => ctx.warn(section, n, CHECKER_BLOCK, true)]),
    ...settings.map((k) => [k, (n: ConfNode) => ctx.warn(section, n, CHECKER_SETTING, false)]),
  ]);
}

export interface GroupInfo {
  name: string;
  hasAddresses: boolean;
  /** A member with port 0, which needs persistence. */
  portZero: boolean;
}

export interface VirtualServerInfo {
  node: ConfNode;
  section: TomlSection;
  /** The group named by `virtual_server group NAME`. */
  group: string | null;
  realServers: { node: ConfNode; section: TomlSection }[];
}

/** The members of a virtual_server_group, or null when it was dropped. */
export function mapVirtualServerGroup(ctx: ConvertContext, doc: TomlDocument, node: ConfNode): GroupInfo | null {
  const name = blockName(ctx, node);
  if (name === null) return null;
  const section = doc.table(["virtual_server_groups", name]);
  const members: string[] = [];
  let hasAddresses = false;
  let portZero = false;
  for (const child of node.children!) {
    // keepalived reads a member without a port as port 0.
    const words = child.keyword === "fwmark" || child.args.length > 0 ? [child.keyword, ...child.args] : [child.keyword, "0"];
    const text = words.join(" ");
    const parsed = parseMember(text);
    if (typeof parsed === "string") {
      ctx.error(child, `virtual_server_group ${name}: ${parsed}`);
      continue;
    }
    if (parsed.kind === "range") hasAddresses = true;
    if (parsed.kind === "range" && parsed.port === 0) portZero = true;
    members.push(text);
  }
  if (members.length === 0) {
    ctx.warn(
      doc.dropTable(section),
      node,
      `${name} has no members: keepalived 2.2.7 removes it ("has no entries"), so does the conversion`,
    );
    return null;
  }
  section.set("members", members);
  return { name, hasAddresses, portZero };
}

export function mapVirtualServer(ctx: ConvertContext, doc: TomlDocument, node: ConfNode): VirtualServerInfo | null {
  if (node.children === null) {
    ctx.error(node, "virtual_server: missing '{' block");
    return null;
  }
  const [first, second] = node.args;
  if (first === undefined) {
    ctx.error(node, "virtual_server: missing address, fwmark or group");
    return null;
  }
  const name = uniqueName(doc, tableName(first, second));
  const section = doc.table(["virtual_servers", name]);
  const info: VirtualServerInfo = { node, section, group: null, realServers: [] };
  if (!writeTarget(ctx, section, node, first, second, info)) {
    doc.dropTable(section);
    return null;
  }
  const kind = first === "group" ? "group" : first === "fwmark" ? "fwmark" : "address";
  let lbAlgo = "wlc";
  const flags: string[] = [];
  let sorry: Record<string, TomlValue> | null = null;
  const forwarding = (target: Record<string, TomlValue> | TomlSection, n: ConfNode) => writeForwarding(ctx, target, n);
  const handlers: Record<string, Handler> = {
    ...checkerHandlers(ctx, section, VS_CHECKER_SETTINGS, []),
    ...checkerSettingHandlers(ctx, section),
    quorum_up: (n) => mapNotify(ctx, section, n),
    quorum_down: (n) => mapNotify(ctx, section, n),
    ha_suspend: () => section.set("ha_suspend", true),
    smtp_alert: (n) => {
      const value = boolArg(ctx, n);
      if (value !== null) section.set("smtp_alert", value);
    },
    omega: (n) => {
      const value = boolArg(ctx, n);
      if (value !== null) section.set("omega", value);
    },
    lb_algo: (n) => {
      const algo = firstArg(ctx, n, "a scheduler");
      if (algo === null) return;
      if (!(LB_ALGOS as readonly string[]).includes(algo)) {
        ctx.error(n, `${n.keyword}: unknown scheduler '${algo}' (one of ${LB_ALGOS.join(", ")})`);
        return;
      }
      lbAlgo = algo;
      section.set("lb_algo", algo);
    },
    lb_kind: (n) => forwarding(section, n),
    protocol: (n) => {
      const word = firstArg(ctx, n, "TCP, UDP or SCTP");
      if (word === null) return;
      if (!["tcp", "udp", "sctp"].includes(word.toLowerCase())) {
        ctx.error(n, `protocol: unknown protocol '${word}' (TCP, UDP or SCTP)`);
        return;
      }
      if (kind === "fwmark") ctx.warn(section, n, "a fwmark service matches every protocol: keepalived 2.2.7 ignores it, left out");
      else section.set("protocol", word.toLowerCase());
    },
    persistence_timeout: (n) => {
      const value = n.args.length === 0 ? DEFAULT_PERSISTENCE_S : intArg(ctx, n, 1, MAX_TIMEOUT_S);
      if (value !== null) section.set("persistence_timeout", value);
    },
    persistence_granularity: (n) => {
      const word = firstArg(ctx, n, "a netmask or IPv6 prefix length");
      if (word === null) return;
      if (word.includes(".")) {
        if (parseAddress(word)?.family !== 4) ctx.error(n, `persistence_granularity: invalid netmask '${word}'`);
        else section.set("persistence_granularity", word);
        return;
      }
      const prefix = intArg(ctx, n, 1, 128);
      if (prefix !== null) section.set("persistence_granularity", prefix);
    },
    persistence_engine: (n) => {
      const engine = firstArg(ctx, n, "an engine name");
      if (engine !== null) section.set("persistence_engine", engine);
    },
    quorum: (n) => {
      const value = intArg(ctx, n, 1, MAX_U32);
      if (value !== null) section.set("quorum", value);
    },
    hysteresis: (n) => {
      const value = intArg(ctx, n, 0, MAX_U32);
      if (value !== null) section.set("hysteresis", value);
    },
    weight: (n) => {
      const value = intArg(ctx, n, 1, MAX_WEIGHT);
      if (value !== null) section.set("weight", value);
    },
    inhibit_on_failure: () => section.set("inhibit_on_failure", true),
    ops: () => section.set("ops", true),
    ip_family: (n) => {
      const word = firstArg(ctx, n, "inet or inet6");
      if (word !== "inet" && word !== "inet6") {
        if (word !== null) ctx.error(n, `ip_family: unknown family '${word}' (inet or inet6)`);
        return;
      }
      if (kind === "fwmark") section.set("ip_family", word);
      else ctx.warn(section, n, "the service's addresses give its family: left out");
    },
    sorry_server: (n) => {
      const address = n.args[0];
      if (address === undefined || parseAddress(address) === null) {
        ctx.error(n, `sorry_server: invalid IP address '${address ?? ""}'`);
        return;
      }
      sorry = { address: parseAddress(address)!.text };
      const port = n.args[1] === undefined ? 0 : intArg(ctx, n, 0, 65535, n.args[1]);
      if (port) sorry.port = port;
    },
    sorry_server_inhibit: (n) => {
      if (sorry === null) ctx.warn(section, n, "before or without sorry_server: keepalived 2.2.7 ignores it, left out");
      else sorry.inhibit = true;
    },
    sorry_server_lvs_method: (n) => {
      if (sorry === null) ctx.warn(section, n, "before or without sorry_server: keepalived 2.2.7 ignores it, left out");
      else forwarding(sorry, n);
    },
    real_server: (n) => {
      const rs = mapRealServer(ctx, doc, name, n);
      if (rs !== null) info.realServers.push({ node: n, section: rs });
    },
    ...Object.fromEntries(
      ["sh-port", "sh-fallback", "mh-port", "mh-fallback", "flag-1", "flag-2"].map((flag) => [
        flag,
        (n: ConfNode) => {
          const scheduler = flag.split("-")[0]!;
          if ((scheduler === "sh" || scheduler === "mh") && lbAlgo !== scheduler) {
            ctx.warn(section, n, `lb_algo is not ${scheduler} at this line: keepalived 2.2.7 ignores the flag, left out`);
            return;
          }
          if (!flags.includes(flag)) flags.push(flag);
          section.set("lb_flags", [...flags]);
        },
      ]),
    ),
  };
  handlers.lvs_sched = handlers.lb_algo!;
  handlers.lvs_method = handlers.lb_kind!;
  walkBlock(ctx, section, node.children, handlers, VS_UNSUPPORTED);
  if (sorry !== null) section.set("sorry_server", sorry);
  fixProtocolAndPort(ctx, section, node, kind);
  return info;
}

function tableName(first: string, second: string | undefined): string {
  if (first === "group" || first === "fwmark") return `${first} ${second ?? ""}`.trim();
  const address = parseAddress(first);
  const text = address?.family === 6 ? `[${address.text}]` : (address?.text ?? first);
  return `${text}:${Number(second ?? 0)}`;
}

/** keepalived allows the same address and port once per protocol. */
function uniqueName(doc: TomlDocument, base: string): string {
  let name = base;
  for (let n = 2; doc.find(["virtual_servers", name]) !== undefined; n++) name = `${base} #${n}`;
  return name;
}

function writeTarget(
  ctx: ConvertContext,
  section: TomlSection,
  node: ConfNode,
  first: string,
  second: string | undefined,
  info: VirtualServerInfo,
): boolean {
  if (first === "group") {
    if (second === undefined) {
      ctx.error(node, "virtual_server group: missing group name");
      return false;
    }
    section.set("group", second);
    info.group = second;
    return true;
  }
  if (first === "fwmark") {
    const mark = intArg(ctx, node, 1, MAX_U32, second);
    if (mark !== null) section.set("fwmark", mark);
    return mark !== null;
  }
  const address = parseAddress(first);
  if (address === null) {
    ctx.error(node, `virtual_server: invalid IP address '${first}'`);
    return false;
  }
  const port = second === undefined ? 0 : intArg(ctx, node, 0, 65535, second);
  if (port === null) return false;
  section.set("address", address.text);
  section.set("port", port);
  return true;
}

/** `lb_kind NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]` into lb_kind and tunnel. */
function writeForwarding(ctx: ConvertContext, target: Record<string, TomlValue> | TomlSection, node: ConfNode): void {
  const kind = firstArg(ctx, node, "NAT, DR or TUN");
  if (kind === null) return;
  if (!["NAT", "DR", "TUN"].includes(kind)) {
    ctx.error(node, `${node.keyword}: unknown forwarding method '${kind}' (NAT, DR or TUN)`);
    return;
  }
  const tunnel: Record<string, TomlValue> = {};
  const words = node.args.slice(1);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "type" || word === "port") {
      const value = words[++i];
      if (value === undefined) {
        ctx.error(node, `${node.keyword}: missing value after '${word}'`);
        return;
      }
      if (word === "port") {
        const port = intArg(ctx, node, 1, 65535, value);
        if (port === null) return;
        tunnel.port = port;
      } else tunnel.type = value;
    } else if (["nocsum", "csum", "remcsum"].includes(word)) tunnel.checksum = word;
    else {
      ctx.error(node, `${node.keyword}: invalid tunnel option '${word}'`);
      return;
    }
  }
  if (Object.keys(tunnel).length > 0 && kind !== "TUN") {
    ctx.error(node, `${node.keyword}: tunnel options only go with TUN`);
    return;
  }
  const set = (key: string, value: TomlValue) => {
    if (target instanceof TomlSection) target.set(key, value);
    else target[key] = value;
  };
  set("lb_kind", kind);
  if (Object.keys(tunnel).length > 0) set("tunnel", tunnel);
}

function mapRealServer(ctx: ConvertContext, doc: TomlDocument, vsName: string, node: ConfNode): TomlSection | null {
  const address = node.args[0] === undefined ? null : parseAddress(node.args[0]);
  if (address === null) {
    ctx.error(node, `real_server: invalid IP address '${node.args[0] ?? ""}'`);
    return null;
  }
  const section = doc.arrayTable(["virtual_servers", vsName, "real_servers"]);
  section.set("address", address.text);
  const port = node.args[1] === undefined ? 0 : intArg(ctx, node, 0, 65535, node.args[1]);
  if (port) section.set("port", port);
  const handlers: Record<string, Handler> = {
    ...checkerHandlers(ctx, section, RS_CHECKER_SETTINGS, CHECKER_KINDS_NOT_YET),
    ...checkerSettingHandlers(ctx, section),
    ...checkerBlockHandlers(ctx, doc, ["virtual_servers", vsName, "real_servers"]),
    smtp_alert: (n) => {
      const value = boolArg(ctx, n);
      if (value !== null) section.set("smtp_alert", value);
    },
    notify_up: (n) => mapNotify(ctx, section, n),
    notify_down: (n) => mapNotify(ctx, section, n),
    weight: (n) => {
      const value = intArg(ctx, n, 0, MAX_WEIGHT);
      if (value !== null) section.set("weight", value);
    },
    lvs_method: (n) => writeForwarding(ctx, section, n),
    uthreshold: (n) => {
      const value = intArg(ctx, n, 0, MAX_U32);
      if (value !== null) section.set("uthreshold", value);
    },
    lthreshold: (n) => {
      const value = intArg(ctx, n, 0, MAX_U32);
      if (value !== null) section.set("lthreshold", value);
    },
    inhibit_on_failure: (n) => {
      const value = boolArg(ctx, n);
      if (value !== null) section.set("inhibit_on_failure", value);
    },
  };
  walkBlock(ctx, section, node.children ?? [], handlers, {});
  return section;
}

/**
 * keepalived 2.2.7's corrections once the block is read: no protocol is UDP (with a warning); port 0 without
 * persistence gets 360 s; DR/TUN real servers take the service's port (a fwmark's: none).
 */
function fixProtocolAndPort(ctx: ConvertContext, section: TomlSection, node: ConfNode, kind: "address" | "fwmark" | "group"): void {
  if (kind === "address" && !section.has("protocol")) {
    section.set("protocol", "udp");
    ctx.warnAfter(
      section,
      "protocol",
      node,
      'no protocol: keepalived 2.2.7 uses UDP ("no protocol set - defaulting to UDP"), written out',
      false,
      "protocol",
    );
  }
  if (kind === "address" && section.get("port") === 0 && !section.has("persistence_timeout")) {
    section.set("persistence_timeout", DEFAULT_PERSISTENCE_S);
    ctx.warnAfter(
      section,
      "persistence_timeout",
      node,
      "port 0 needs persistence: keepalived 2.2.7 sets 360 s, written out",
      false,
      "persistence_timeout",
    );
  }
  const ops = section.get("ops");
  if (ops === true && kind === "address" && section.get("protocol") !== "udp") {
    section.delete("ops");
    ctx.warn(section, node, "one-packet scheduling needs UDP: keepalived 2.2.7 resets it, left out", false, "ops");
  }
}

/** After the file is read: DR/TUN real server ports keepalived replaces, and groups that are only fwmarks. */
export function resolveVirtualServers(
  ctx: ConvertContext,
  doc: TomlDocument,
  servers: VirtualServerInfo[],
  groups: Map<string, GroupInfo>,
): void {
  for (const vs of servers) {
    if (vs.group !== null) {
      const group = groups.get(vs.group);
      if (group === undefined) {
        const comments = doc.dropTable(vs.section);
        ctx.warn(
          comments,
          vs.node,
          `group ${vs.group}: no such virtual_server_group; keepalived 2.2.7 drops the virtual server, so does the conversion`,
          true,
        );
        continue;
      }
      if (!group.hasAddresses && vs.section.has("protocol")) {
        vs.section.delete("protocol");
        ctx.warn(
          vs.section,
          vs.node,
          "the group has only fwmarks, which match every protocol: keepalived 2.2.7 ignores protocol, left out",
          false,
          "protocol",
        );
      }
      if (group.portZero && !vs.section.has("persistence_timeout")) {
        vs.section.set("persistence_timeout", DEFAULT_PERSISTENCE_S);
        ctx.warnAfter(
          vs.section,
          "persistence_timeout",
          vs.node,
          "a member with port 0 needs persistence: keepalived 2.2.7 sets 360 s, written out",
          false,
          "persistence_timeout",
        );
      }
      if (group.hasAddresses && !vs.section.has("protocol")) {
        vs.section.set("protocol", "udp");
        ctx.warnAfter(
          vs.section,
          "protocol",
          vs.node,
          'no protocol: keepalived 2.2.7 uses UDP ("no protocol set - defaulting to UDP"), written out',
          false,
          "protocol",
        );
      }
    }
    resolveRealServers(ctx, doc, vs);
  }
}

/**
 * keepalived 2.2.7 skips a real server of the other family (unless tunnelled) and a second one with the same
 * address and port; DR and TUN deliver to the service's port, so it replaces theirs (a fwmark's: none).
 */
function resolveRealServers(ctx: ConvertContext, doc: TomlDocument, vs: VirtualServerInfo): void {
  const vsKind = (vs.section.get("lb_kind") as string | undefined) ?? "NAT";
  // keepalived takes a fwmark service's family from its (untunnelled) real servers; vipd's TOML says it.
  if (vs.section.has("fwmark") && !vs.section.has("ip_family")) {
    const first = vs.realServers.find((rs) => ((rs.section.get("lb_kind") as string | undefined) ?? vsKind) !== "TUN");
    const address = first?.section.get("address");
    if (typeof address === "string" && parseAddress(address)?.family === 6) {
      vs.section.set("ip_family", "inet6", "keepalived 2.2.7 takes it from the real servers");
    }
  }
  const vsAddress = vs.section.get("address");
  const vsFamily =
    typeof vsAddress === "string"
      ? parseAddress(vsAddress)?.family
      : vs.section.has("fwmark")
        ? vs.section.get("ip_family") === "inet6"
          ? 6
          : 4
        : undefined;
  const vsPort = vs.section.get("port");
  const seen = new Set<string>();
  for (const rs of vs.realServers) {
    const kind = (rs.section.get("lb_kind") as string | undefined) ?? vsKind;
    const address = rs.section.get("address") as string;
    const family = parseAddress(address)?.family;
    if (vsFamily !== undefined && family !== vsFamily && kind !== "TUN") {
      ctx.warn(
        doc.dropTable(rs.section),
        rs.node,
        `${address}: not of the virtual server's family; keepalived 2.2.7 skips it, so does the conversion`,
      );
      continue;
    }
    const port = rs.section.get("port");
    if (kind !== "NAT" && port !== undefined && port !== vsPort) {
      rs.section.delete("port");
      const now = typeof vsPort === "number" ? `the service's port ${vsPort}` : "no port";
      ctx.warn(rs.section, rs.node, `${kind} delivers to the service's port: keepalived 2.2.7 uses ${now}, port left out`, false, "port");
    }
    const key = `${address} ${rs.section.get("port") ?? vsPort ?? 0}`;
    if (seen.has(key)) {
      ctx.warn(
        doc.dropTable(rs.section),
        rs.node,
        `${key}: a second real server with the same address and port; keepalived 2.2.7 removes it, so does the conversion`,
      );
      continue;
    }
    seen.add(key);
  }
}

/**
 * Each virtual server whose real servers are plain (no comment, no checker table under them) gets them as one
 * `real_servers = [` row per server `]` instead of a `[[…real_servers]]` table each: the same value in ⅗ of the text,
 * which the daemon reads in about half the time (1,000 services × 10 real servers: bench/lvs.ts). Run last,
 * when nothing is added to the real servers any more.
 */
export function writePlainRealServersAsRows(doc: TomlDocument, servers: readonly VirtualServerInfo[]): void {
  const written = new Set(doc.written);
  const withTablesBelow = new Set<string>();
  for (const s of doc.written) if (s.path !== null && s.path.length > 3) withTablesBelow.add(s.path.slice(0, 3).join("\0"));
  const moved = new Set<TomlSection>();
  for (const vs of servers) {
    const path = vs.section.path;
    if (path === null || !written.has(vs.section) || vs.realServers.length === 0) continue;
    if (withTablesBelow.has([...path, "real_servers"].join("\0"))) continue;
    const plain = vs.realServers.every(({ section }) => written.has(section) && !section.hasComments);
    if (!plain) continue;
    vs.section.setRows(
      "real_servers",
      vs.realServers.map(({ section }) => Object.fromEntries(section.entries())),
    );
    for (const { section } of vs.realServers) moved.add(section);
  }
  doc.removeAll(moved);
}
