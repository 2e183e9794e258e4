// [virtual_servers.NAME]: one LVS virtual service and its real servers (keepalived's virtual_server), with
// keepalived 2.2.7's defaults. Where keepalived corrects a setting with a warning (a DR real server on another
// port, a quorum above the total weight), vipd says the same; where keepalived drops a line, vipd refuses it.
// Health checks are read by checker-section.ts; the kinds not built yet are refused, never read and ignored.

import { familyName, parseAddress } from "./address.ts";
import { readCommand } from "./commands.ts";
import type { Problems } from "./config-error.ts";
import type { PathSegment } from "./key-path.ts";
import type {
  Forwarding,
  LbKind,
  RealServerConfig,
  ServerAddress,
  SorryServerConfig,
  TrackFileSection,
  VirtualServerSection,
  VirtualServiceTarget,
} from "./schema.ts";
import { describeValue, isTable, TableReader, type TomlTable } from "./table-reader.ts";
import {
  CHECK_DEFAULT_KEYS,
  type CheckDefaults,
  IMPLEMENTED_CHECKS,
  readCheckDefaults,
  readChecks,
  TOP_DEFAULTS,
} from "./checker-section.ts";

/** keepalived 2.2.7's list (twos included: it is a kernel scheduler too, since 6.x). */
export const LB_ALGOS = ["rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos"] as const;
export const LB_FLAGS = ["sh-port", "sh-fallback", "mh-port", "mh-fallback", "flag-1", "flag-2"] as const;
const LB_KINDS = ["NAT", "DR", "TUN"] as const;
/** Checker kinds and settings not built yet: refused, never parsed and left doing nothing. */
const CHECKS_NOT_YET = ["BFD_CHECK"];
const VS_NOT_YET: string[] = [];
const RS_NOT_YET: string[] = [];
/** Every key refused as not built yet (the example cannot document them as working). */
export const CHECKER_KEYS_NOT_YET = [...new Set([...CHECKS_NOT_YET, ...VS_NOT_YET, ...RS_NOT_YET])];
const NOT_YET = "not yet supported (issue #17)";
const KIND_NOT_YET = `${NOT_YET}; the checks built are ${IMPLEMENTED_CHECKS.join(", ")}`;

export const VIRTUAL_SERVER_KEYS = [
  "address",
  "port",
  "fwmark",
  "group",
  "ip_family",
  "protocol",
  "lb_algo",
  "lb_flags",
  "ops",
  "lb_kind",
  "tunnel",
  "persistence_timeout",
  "persistence_granularity",
  "persistence_engine",
  "quorum",
  "hysteresis",
  "weight",
  "inhibit_on_failure",
  "sorry_server",
  "real_servers",
  ...CHECK_DEFAULT_KEYS,
  "quorum_up",
  "quorum_down",
  "omega",
  "ha_suspend",
  "smtp_alert",
  ...VS_NOT_YET,
];
export const REAL_SERVER_KEYS = [
  "address",
  "port",
  "weight",
  "lb_kind",
  "tunnel",
  "uthreshold",
  "lthreshold",
  "inhibit_on_failure",
  ...CHECK_DEFAULT_KEYS,
  ...IMPLEMENTED_CHECKS,
  ...CHECKS_NOT_YET,
  "notify_up",
  "notify_down",
  "smtp_alert",
  ...RS_NOT_YET,
];
export const SORRY_SERVER_KEYS = ["address", "port", "inhibit", "lb_kind", "tunnel"];
const TUNNEL_KEYS = ["type", "port", "checksum"];
/** keepalived's IPVS_SVC_PERSISTENT_TIMEOUT. */
const DEFAULT_PERSISTENCE_S = 360;
/** keepalived's LVS_MAX_TIMEOUT (31 days) and IPVS_WEIGHT_LIMIT. */
const MAX_TIMEOUT_S = 86400 * 31;
const MAX_WEIGHT = 2147483647;
const MAX_U32 = 4294967295;

/** What a virtual server takes from the rest of the configuration. */
export interface VirtualServerContext {
  /** The default smtp_alert of real servers (global.smtp_alert_checker) and of virtual servers. */
  smtpAlertRealServers: boolean;
  smtpAlertVirtualServers: boolean;
  /** What FILE_CHECKs may name. */
  trackFiles: readonly TrackFileSection[];
}

const NO_CONTEXT: VirtualServerContext = { smtpAlertRealServers: true, smtpAlertVirtualServers: false, trackFiles: [] };

export function readVirtualServer(
  problems: Problems,
  name: string,
  table: TomlTable,
  context: VirtualServerContext = NO_CONTEXT,
): VirtualServerSection {
  const r = new TableReader(problems, ["virtual_servers", name], table, VIRTUAL_SERVER_KEYS);
  refuseNotYet(r, VS_NOT_YET);
  const checkDefaults = readCheckDefaults(r, TOP_DEFAULTS);
  const target = readTarget(r);
  const lbAlgo = r.oneOf("lb_algo", LB_ALGOS, "wlc");
  const flags = readFlags(r, lbAlgo);
  const onePacket = r.bool("ops", false);
  if (onePacket && target?.kind !== "fwmark" && target?.protocol !== "udp" && target?.kind !== "group") {
    problems.error(r.at("ops"), 'one-packet scheduling needs protocol = "udp" or a fwmark service');
  }
  const forwarding = readForwarding(r, "NAT");
  const granularity = readGranularity(r, target);
  const persistenceGiven = r.has("persistence_timeout");
  let persistenceTimeoutS = r.int("persistence_timeout", 1, MAX_TIMEOUT_S, 0);
  // keepalived turns persistence on when only the granularity is given.
  if (!persistenceGiven && granularity !== null) persistenceTimeoutS = DEFAULT_PERSISTENCE_S;
  if (target?.kind === "address" && target.port === 0 && persistenceTimeoutS === 0) {
    problems.error(r.at("port"), `0 (any port) needs persistence_timeout (keepalived sets ${DEFAULT_PERSISTENCE_S})`);
  }
  const defaultWeight = r.int("weight", 1, MAX_WEIGHT, 1);
  const inhibitDefault = r.bool("inhibit_on_failure", false);
  const vs: VirtualServerSection = {
    name,
    target: target ?? { kind: "fwmark", fwmark: 0, family: 4 },
    lbAlgo,
    schedulerFallback: flags.fallback,
    schedulerPort: flags.port,
    onePacket,
    forwarding,
    persistenceTimeoutS,
    persistencePrefix: granularity,
    persistenceEngine: r.optString("persistence_engine", "a persistence engine name"),
    quorum: r.int("quorum", 1, MAX_U32, 1),
    hysteresis: r.int("hysteresis", 0, MAX_U32, 0),
    realServers: readRealServers(r, {
      forwarding,
      defaultWeight,
      inhibitDefault,
      checkDefaults,
      servicePort: servicePort(target),
      smtpAlertDefault: context.smtpAlertRealServers,
      trackFiles: context.trackFiles,
    }),
    sorryServer: readSorryServer(r, forwarding),
    quorumUp: readCommand(r, "quorum_up"),
    quorumDown: readCommand(r, "quorum_down"),
    omega: r.bool("omega", false),
    haSuspend: readHaSuspend(r, target),
    smtpAlert: r.bool("smtp_alert", context.smtpAlertVirtualServers),
  };
  checkFamilies(r, vs);
  checkPorts(r, vs);
  adjustQuorum(r, vs);
  return vs;
}

function refuseNotYet(r: TableReader, keys: readonly string[], message = NOT_YET): void {
  for (const key of keys) if (r.has(key)) r.problems.error(r.at(key), message);
}

/** keepalived's ha_suspend: checks run only while the service's address is on this host (a fwmark has none). */
function readHaSuspend(r: TableReader, target: VirtualServiceTarget | null): boolean {
  const on = r.bool("ha_suspend", false);
  if (on && target?.kind === "fwmark") {
    r.problems.error(r.at("ha_suspend"), "a fwmark service has no address to wait for; use a group with addresses, or remove it");
  }
  return on;
}

/** The port a real server without one is reached on: the service's (none for fwmark and group services). */
function servicePort(target: VirtualServiceTarget | null): number | null {
  return target?.kind === "address" && target.port !== 0 ? target.port : null;
}

function readTarget(r: TableReader): VirtualServiceTarget | null {
  const ways = ["address", "fwmark", "group"].filter((k) => r.has(k));
  if (ways.length !== 1) {
    const message =
      ways.length === 0 ? "a virtual server needs address (with port), fwmark or group" : `only one of ${ways.join(", ")} may be set`;
    r.problems.error(r.path, message);
    return null;
  }
  const protocol = r.has("protocol") ? r.oneOf("protocol", ["tcp", "udp", "sctp"] as const, "tcp") : null;
  if (ways[0] === "fwmark") {
    if (r.has("protocol")) r.problems.error(r.at("protocol"), "a fwmark service matches every protocol; remove protocol");
    if (r.has("port")) r.problems.error(r.at("port"), "a fwmark service has no port; remove it");
    const fwmark = r.int("fwmark", 1, MAX_U32, 1);
    return { kind: "fwmark", fwmark, family: readIpFamily(r) ?? 4 };
  }
  if (r.has("ip_family")) r.problems.error(r.at("ip_family"), "only for fwmark services (the address gives the family)");
  if (ways[0] === "group") {
    if (r.has("port")) r.problems.error(r.at("port"), "the group's members carry the ports; remove it");
    const group = r.optString("group", "a virtual_server_groups name");
    return { kind: "group", group: group ?? "", protocol };
  }
  const text = r.optString("address", "an IP address");
  const parsed = text === null ? null : parseAddress(text);
  if (text !== null && parsed === null) r.problems.error(r.at("address"), `must be an IPv4 or IPv6 address, got ${JSON.stringify(text)}`);
  if (!r.has("port")) r.missing("port", "a port from 0 to 65535 (0: every port, with persistence)");
  const port = r.int("port", 0, 65535, 0);
  // keepalived 2.2.7 falls back to UDP with a warning when protocol is missing; vipd asks for it.
  if (protocol === null) r.missing("protocol", '"tcp", "udp" or "sctp"');
  if (parsed === null) return null;
  return { kind: "address", address: parsed.text, bytes: parsed.bytes, family: parsed.family, port, protocol: protocol ?? "tcp" };
}

function readIpFamily(r: TableReader): 4 | 6 | null {
  if (!r.has("ip_family")) return null;
  return r.oneOf("ip_family", ["inet", "inet6"] as const, "inet") === "inet" ? 4 : 6;
}

function readFlags(r: TableReader, lbAlgo: string): { fallback: boolean; port: boolean } {
  const out = { fallback: false, port: false };
  for (const { value, path } of r.stringList("lb_flags", "scheduler flags")) {
    if (!(LB_FLAGS as readonly string[]).includes(value)) {
      r.problems.error(path, `must be one of ${LB_FLAGS.join(", ")}, got ${JSON.stringify(value)}`);
      continue;
    }
    const scheduler = value.split("-")[0]!;
    if ((scheduler === "sh" || scheduler === "mh") && lbAlgo !== scheduler) {
      r.problems.error(path, `only applies to lb_algo = "${scheduler}"`);
      continue;
    }
    if (value.endsWith("fallback") || value === "flag-1") out.fallback = true;
    else out.port = true;
  }
  return out;
}

/** lb_kind with, for TUN, the optional tunnel = { type, port, checksum }. */
function readForwarding(r: TableReader, fallback: LbKind): Forwarding {
  const kind = r.oneOf("lb_kind", LB_KINDS, fallback);
  const t = r.optTable("tunnel", "a table {type, port, checksum}");
  if (t === null) return { kind, tunnel: kind === "TUN" ? { type: "ipip", port: null, checksum: "nocsum" } : null };
  if (kind !== "TUN") {
    r.problems.error(r.at("tunnel"), 'only with lb_kind = "TUN"');
    return { kind, tunnel: null };
  }
  const tr = new TableReader(r.problems, r.at("tunnel"), t, TUNNEL_KEYS);
  const type = tr.oneOf("type", ["ipip", "gue", "gre"] as const, "ipip");
  const port = tr.optInt("port", 1, 65535);
  const checksum = tr.oneOf("checksum", ["nocsum", "csum", "remcsum"] as const, "nocsum");
  if ((type === "gue") !== (port !== null))
    r.problems.error(tr.at("port"), type === "gue" ? "missing; a GUE tunnel needs its UDP port" : "only for GUE tunnels");
  if (type === "ipip" && checksum !== "nocsum") r.problems.error(tr.at("checksum"), "IPIP tunnels carry no checksum");
  if (type === "gre" && checksum === "remcsum") r.problems.error(tr.at("checksum"), "GRE tunnels do not support remcsum");
  return { kind, tunnel: { type, port, checksum } };
}

/** An IPv4 netmask ("255.255.255.0") or an IPv6 prefix length, as keepalived reads it; returned as a prefix length. */
function readGranularity(r: TableReader, target: VirtualServiceTarget | null): number | null {
  const value = r.table.persistence_granularity;
  if (value === undefined) return null;
  const family = target?.kind === "address" || target?.kind === "fwmark" ? target.family : typeof value === "string" ? 4 : 6;
  if (family === 6) return r.int("persistence_granularity", 1, 128, 128, "an IPv6 prefix length from 1 to 128");
  const mask = typeof value === "string" ? parseAddress(value) : null;
  const prefix = mask?.family === 4 ? prefixOfMask(mask.bytes) : null;
  if (prefix === null) {
    r.problems.error(r.at("persistence_granularity"), `must be an IPv4 netmask such as "255.255.255.0", got ${describeValue(value)}`);
  }
  return prefix;
}

/** The prefix length of a contiguous netmask; null otherwise (the kernel would take it, the IPVS port carries prefixes). */
function prefixOfMask(bytes: Uint8Array): number | null {
  let prefix = 0;
  let ended = false;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      if (set && ended) return null;
      if (set) prefix++;
      else ended = true;
    }
  }
  return prefix;
}

function readServerAddress(r: TableReader): ServerAddress | null {
  const text = r.requiredString("address", "an IP address");
  const parsed = text === null ? null : parseAddress(text);
  if (text !== null && parsed === null) r.problems.error(r.at("address"), `must be an IPv4 or IPv6 address, got ${JSON.stringify(text)}`);
  const port = r.optInt("port", 0, 65535);
  return parsed === null ? null : { address: parsed.text, bytes: parsed.bytes, family: parsed.family, port: port === 0 ? null : port };
}

interface RealServerDefaults {
  forwarding: Forwarding;
  defaultWeight: number;
  inhibitDefault: boolean;
  checkDefaults: CheckDefaults;
  servicePort: number | null;
  smtpAlertDefault: boolean;
  trackFiles: readonly TrackFileSection[];
}

function readRealServers(r: TableReader, defaults: RealServerDefaults): RealServerConfig[] {
  const { forwarding: vsForwarding, defaultWeight, inhibitDefault } = defaults;
  const out: RealServerConfig[] = [];
  const seen = new Map<string, PathSegment[]>();
  const items = r.list("real_servers", "tables [[virtual_servers.NAME.real_servers]]");
  const listPath = r.at("real_servers");
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const path = [...listPath, i];
    if (!isTable(item)) {
      r.problems.error(path, `must be a table, got ${describeValue(item)}`);
      continue;
    }
    const plain = readPlainRealServer(item, defaults);
    if (plain !== null) {
      noteRealServer(r, seen, plain, path);
      out.push(plain);
      continue;
    }
    const rr = new TableReader(r.problems, path, item, REAL_SERVER_KEYS);
    refuseNotYet(rr, RS_NOT_YET);
    refuseNotYet(rr, CHECKS_NOT_YET, KIND_NOT_YET);
    const at = readServerAddress(rr);
    const checkDefaults = readCheckDefaults(rr, defaults.checkDefaults);
    const forwarding = rr.has("lb_kind") || rr.has("tunnel") ? readForwarding(rr, vsForwarding.kind) : vsForwarding;
    const upperThreshold = rr.int("uthreshold", 0, MAX_U32, 0);
    const lowerThreshold = rr.int("lthreshold", 0, MAX_U32, 0);
    if (lowerThreshold > upperThreshold) {
      r.problems.error(rr.at("lthreshold"), `must not be above uthreshold (${upperThreshold}); the kernel refuses it, 0 included`);
    }
    const server: RealServerConfig | null = at && {
      ...at,
      weight: rr.int("weight", 0, MAX_WEIGHT, defaultWeight),
      forwarding,
      upperThreshold,
      lowerThreshold,
      inhibitOnFailure: rr.bool("inhibit_on_failure", inhibitDefault),
      checks: readChecks(rr, checkDefaults, { ...at, port: at.port ?? defaults.servicePort }, defaults.trackFiles),
      smtpAlert: rr.bool("smtp_alert", defaults.smtpAlertDefault),
      notifyUp: readCommand(rr, "notify_up"),
      notifyDown: readCommand(rr, "notify_down"),
    };
    if (server === null) continue;
    noteRealServer(r, seen, server, path);
    out.push(server);
  }
  return out;
}

/** keepalived drops a second real server with the same address and port; vipd refuses it. */
function noteRealServer(r: TableReader, seen: Map<string, PathSegment[]>, server: RealServerConfig, path: PathSegment[]): void {
  const key = `${server.address} ${server.port ?? 0}`;
  const first = seen.get(key);
  if (first) r.problems.error(path, `the same real server as ${first.join(".")} (keepalived drops the second)`);
  else seen.set(key, path);
}

/**
 * A real server with nothing but a valid address, port and weight, read in one step: most of a large load
 * balancer's are so (`vipd convert` writes them as rows), and the reader's way cost ≈ 10 µs each under the
 * daemon's interpreter. Anything else, an error included, gives null and goes the reader's way, which says what
 * is wrong. The result is what that way gives, field for field (test/config/virtual-servers.test.ts).
 */
function readPlainRealServer(item: TomlTable, defaults: RealServerDefaults): RealServerConfig | null {
  let address: unknown;
  let port: unknown;
  let weight: unknown;
  for (const key in item) {
    if (key === "address") address = item.address;
    else if (key === "port") port = item.port;
    else if (key === "weight") weight = item.weight;
    else return null;
  }
  if (typeof address !== "string") return null;
  const parsed = parseAddress(address);
  if (parsed === null) return null;
  if (port !== undefined && !isIntegerIn(port, 0, 65535)) return null;
  if (weight !== undefined && !isIntegerIn(weight, 0, MAX_WEIGHT)) return null;
  return {
    address: parsed.text,
    bytes: parsed.bytes,
    family: parsed.family,
    port: port === undefined || port === 0 ? null : (port as number),
    weight: weight === undefined ? defaults.defaultWeight : (weight as number),
    forwarding: defaults.forwarding,
    upperThreshold: 0,
    lowerThreshold: 0,
    inhibitOnFailure: defaults.inhibitDefault,
    checks: [],
    smtpAlert: defaults.smtpAlertDefault,
    notifyUp: null,
    notifyDown: null,
  };
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function readSorryServer(r: TableReader, vsForwarding: Forwarding): SorryServerConfig | null {
  const t = r.optTable("sorry_server", "a table {address, port, inhibit, lb_kind, tunnel}");
  if (t === null) return null;
  const sr = new TableReader(r.problems, r.at("sorry_server"), t, SORRY_SERVER_KEYS);
  const at = readServerAddress(sr);
  const forwarding = sr.has("lb_kind") || sr.has("tunnel") ? readForwarding(sr, vsForwarding.kind) : vsForwarding;
  const inhibit = sr.bool("inhibit", false);
  return at && { ...at, forwarding, inhibit };
}

/** Real and sorry servers are of the service's family unless tunnelled (the kernel refuses the rest). */
function checkFamilies(r: TableReader, vs: VirtualServerSection): void {
  const family = vs.target.kind === "group" ? null : vs.target.family;
  if (family === null) return;
  // Plain loops, the path made only for a server found wrong: ten thousand real servers are read in a large file.
  const wrong = (server: ServerAddress & { forwarding: Forwarding }) => server.family !== family && server.forwarding.kind !== "TUN";
  const say = (server: ServerAddress, path: PathSegment[]) =>
    r.problems.error(path, `is ${familyName(server.family)} but the virtual server is ${familyName(family)} (only TUN may mix families)`);
  for (let i = 0; i < vs.realServers.length; i++) {
    const rs = vs.realServers[i]!;
    if (wrong(rs)) say(rs, r.at("real_servers").concat(i, "address"));
  }
  if (vs.sorryServer && wrong(vs.sorryServer)) say(vs.sorryServer, [...r.at("sorry_server"), "address"]);
}

/** DR and TUN deliver to the virtual port: another port there is a mistake keepalived corrects with a warning. */
function checkPorts(r: TableReader, vs: VirtualServerSection): void {
  const check = (server: ServerAddress & { forwarding: Forwarding }, path: () => PathSegment[]) => {
    if (server.forwarding.kind === "NAT" || server.port === null) return;
    if (vs.target.kind === "group") {
      r.problems.error(path(), `a ${server.forwarding.kind} real server of a group takes no port: each member's port is used; remove it`);
    } else if (vs.target.kind === "fwmark") {
      r.problems.error(path(), `a ${server.forwarding.kind} real server of a fwmark service takes no port; remove it`);
    } else if (vs.target.kind === "address" && server.port !== vs.target.port) {
      r.problems.error(
        path(),
        `${server.forwarding.kind} forwards to the virtual port ${vs.target.port}; remove port or write ${vs.target.port}`,
      );
    }
  };
  for (let i = 0; i < vs.realServers.length; i++) {
    const rs = vs.realServers[i]!;
    if (rs.forwarding.kind !== "NAT" && rs.port !== null) check(rs, () => r.at("real_servers").concat(i, "port"));
  }
  if (vs.sorryServer) check(vs.sorryServer, () => [...r.at("sorry_server"), "port"]);
}

/** keepalived lowers a quorum above the total weight (it could never be reached) and a hysteresis not below it. */
function adjustQuorum(r: TableReader, vs: VirtualServerSection): void {
  const total = vs.realServers.reduce((sum, rs) => sum + rs.weight, 0);
  if (vs.quorum > total && vs.realServers.length > 0) {
    if (r.has("quorum"))
      r.problems.warn(
        r.at("quorum"),
        `${vs.quorum} is above the real servers' total weight ${total}; lowered to ${total}, as keepalived does`,
      );
    vs.quorum = total;
  }
  if (vs.hysteresis >= vs.quorum && vs.hysteresis > 0) {
    const lowered = Math.max(0, vs.quorum - 1);
    r.problems.warn(r.at("hysteresis"), `${vs.hysteresis} is not below the quorum ${vs.quorum}; lowered to ${lowered}, as keepalived does`);
    vs.hysteresis = lowered;
  }
}
