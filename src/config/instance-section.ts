// [instances.NAME]: one VRRP instance (keepalived's vrrp_instance), with keepalived's defaults and rules.

import { VRRP_AUTH_DATA_LENGTH, VRRP_PRIO_OWNER, VRRP_V2_MAX_INTERVAL_S, VRRP_V3_MAX_INTERVAL_CS } from "../vrrp/constants.ts";
import type { IpFamily } from "../vrrp/ip-address.ts";
import { familyName, parseAddress } from "./address.ts";
import { NOTIFY_KEYS, readCommand, readNotify } from "./commands.ts";
import type { Problems } from "./config-error.ts";
import { ELECTION_KEYS, readElection } from "./election-section.ts";
import { GARP_KEYS, readGarp, type GarpFollow } from "./global-section.ts";
import type { PathSegment } from "./key-path.ts";
import { parseRoute, parseRule } from "./routes.ts";
import { applyStrictMode, readAcceptMode, strictInitialState } from "./strict-mode.ts";
import type { GlobalConfig, InstanceSection, TrackRef, VirtualRule, Vip } from "./schema.ts";
import { describeValue, TableReader, type TomlTable } from "./table-reader.ts";
import { readTrackRefs, TRACK_FILE, TRACK_INTERFACE, TRACK_PROCESS, TRACK_SCRIPT, type TrackRefAt } from "./track-refs.ts";
import { ANY_TTL, parseUnicastPeer, type UnicastPeer } from "./unicast-peer.ts";
import { parseVip } from "./vip.ts";
import { readVmac, VMAC_KEYS } from "./vmac.ts";

export const INSTANCE_KEYS = [
  "state",
  "interface",
  "virtual_router_id",
  "priority",
  "advert_int",
  "version",
  "nopreempt",
  "preempt_delay",
  "accept",
  "strict_mode",
  "mcast_src_ip",
  "unicast_src_ip",
  "unicast_peer",
  "check_unicast_src",
  "unicast_ttl",
  "authentication",
  "virtual_ipaddress",
  "virtual_ipaddress_excluded",
  "virtual_routes",
  "virtual_rules",
  "track_interface",
  "track_script",
  "track_file",
  "track_process",
  ...NOTIFY_KEYS,
  "notify_fifo",
  "notify_fifo_script",
  "smtp_alert",
  ...GARP_KEYS,
  ...ELECTION_KEYS,
  "skip_check_adv_addr",
  "v3_checksum_as_v2",
  "dont_track_primary",
  ...VMAC_KEYS,
];

/**
 * An instance and where its track references were written, for the cross-checks. Returned also when the
 * instance has errors, so that its references are still checked; the loader returns no config then.
 */
export interface InstanceRead {
  instance: InstanceSection;
  path: PathSegment[];
  trackScriptAt: TrackRefAt[];
  trackFileAt: TrackRefAt[];
  trackProcessAt: TrackRefAt[];
}

const IFNAME = /^[^\s/:]{1,15}$/;

export function readInstance(
  problems: Problems,
  name: string,
  table: TomlTable,
  global: GlobalConfig,
  garpFollow: GarpFollow,
): InstanceRead {
  const path = ["instances", name];
  const r = new TableReader(problems, path, table, INSTANCE_KEYS);
  // keepalived compares the state word exactly: "master" is not MASTER. TOML users get an error instead.
  const writtenState = r.oneOf("state", ["MASTER", "BACKUP"] as const, "BACKUP");
  const ifname = readInterface(r);
  if (!r.has("virtual_router_id")) r.missing("virtual_router_id", "an integer from 1 to 255");
  const vrid = r.int("virtual_router_id", 1, 255, 0);
  const priority = r.int("priority", 1, 255, writtenState === "MASTER" ? 255 : 100);
  const strict = r.bool("strict_mode", global.vrrpStrict);
  let state = strict ? strictInitialState(r, writtenState, priority) : writtenState;

  const vips = readVips(r, "virtual_ipaddress");
  const excluded = readVips(r, "virtual_ipaddress_excluded");
  const srcIp = readSrcIp(r);
  const unicastPeers = readPeers(r);
  const family: IpFamily = vips[0]?.family ?? srcIp?.family ?? unicastPeers[0]?.family ?? 4;
  checkFamilies(r, vips, srcIp, unicastPeers, family);
  if (!r.has("virtual_ipaddress") && !strict) r.problems.warn(r.at("virtual_ipaddress"), "no virtual addresses: adverts will carry none");

  const version = readVersion(r, global, family);
  const advertIntervalCs = readAdvertInt(r, version);
  const accept = readAcceptMode(r, strict, priority, version);
  // Strict mode ignores authentication, whatever its type (keepalived checks it before AH or v3).
  const authentication = strict ? null : readAuthentication(r, version, family);
  if (authentication?.type === "AH" && state === "MASTER" && priority !== VRRP_PRIO_OWNER) {
    // keepalived: "Initial state master is incompatible with AH authentication - clearing". A router must hear the
    // master's sequence number before it takes over, or its adverts are replays to the others.
    r.problems.warn(r.at("state"), 'MASTER is incompatible with AH authentication: read as "BACKUP", as keepalived does');
    state = "BACKUP";
  }
  const nopreempt = r.bool("nopreempt", false);
  const preemptDelayMs = r.seconds("preempt_delay", 0, 1000, 0);
  // keepalived clears both for an initial state MASTER (it always preempts); the section keeps what was written and
  // to-core.ts applies the same rule.
  if (nopreempt && state === "MASTER")
    r.problems.warn(r.at("nopreempt"), 'is cleared by state = "MASTER" (as keepalived does); use state = "BACKUP"');
  if (preemptDelayMs > 0 && state === "MASTER")
    r.problems.warn(r.at("preempt_delay"), 'is cleared by state = "MASTER" (as keepalived does); use state = "BACKUP"');
  else if (nopreempt && preemptDelayMs > 0) r.problems.warn(r.at("preempt_delay"), "has no effect with nopreempt = true");

  const trackInterfaceAt = readTrackRefs(r, TRACK_INTERFACE);
  const dontTrackPrimary = r.bool("dont_track_primary", false);
  for (const { ref, path: at } of trackInterfaceAt) {
    if (ref.name === ifname && !dontTrackPrimary) {
      r.problems.warn(at, `${ifname} is the instance's own interface, already tracked (down means FAULT) unless dont_track_primary = true`);
    }
  }
  const trackScriptAt = readTrackRefs(r, TRACK_SCRIPT);
  const trackFileAt = readTrackRefs(r, TRACK_FILE);
  const trackProcessAt = readTrackRefs(r, TRACK_PROCESS);
  const v3ChecksumAsV2 = r.bool("v3_checksum_as_v2", false);
  if (v3ChecksumAsV2 && !(version === 3 && family === 4)) r.problems.warn(r.at("v3_checksum_as_v2"), "only applies to VRRPv3 over IPv4");

  const instance: InstanceSection = {
    name,
    state,
    interface: ifname ?? "",
    virtualRouterId: vrid,
    priority,
    advertIntervalCs,
    version,
    family,
    nopreempt,
    preemptDelayMs,
    accept,
    strictMode: strict,
    srcIp: srcIp?.text ?? null,
    unicastPeers: unicastPeers.map((p) => p.text),
    unicastPeerTtl: unicastPeers.map((p) => p.ttl ?? ANY_TTL),
    checkUnicastSrc: readCheckUnicastSrc(r, global, unicastPeers),
    unicastTtl: readUnicastTtl(r, unicastPeers),
    authentication,
    virtualIpaddress: vips,
    // More than one advert carries (the 8-bit count, the interface's MTU) is moved to the excluded ones, against
    // the host: src/config/advert-fit.ts.
    virtualIpaddressAt: r.problems.place(r.at("virtual_ipaddress")),
    virtualIpaddressExcluded: excluded,
    virtualRoutes: readLines(r, "virtual_routes", parseRoute),
    virtualRules: readRules(r),
    trackInterface: trackInterfaceAt.map((t): TrackRef => ({ ...t.ref, weight: t.ref.weight ?? 0 })),
    trackScript: trackScriptAt.map((t) => t.ref),
    trackFile: trackFileAt.map((t) => t.ref),
    trackProcess: trackProcessAt.map((t) => t.ref),
    notify: readNotify(r),
    notifyFifo: r.optString("notify_fifo", "a path"),
    notifyFifoScript: readCommand(r, "notify_fifo_script"),
    smtpAlert: r.bool("smtp_alert", global.smtpAlert),
    garp: readGarp(r, global.garp, garpFollow),
    election: readElection(r, global.election),
    skipCheckAdvAddr: r.bool("skip_check_adv_addr", false),
    v3ChecksumAsV2,
    dontTrackPrimary,
    vmac: readVmac(r),
  };
  if (strict) applyStrictMode(r, instance);
  return { instance, path, trackScriptAt, trackFileAt, trackProcessAt };
}

function readInterface(r: TableReader): string | null {
  const ifname = r.requiredString("interface", "an interface name");
  if (ifname !== null && !IFNAME.test(ifname)) {
    const rule = 'an interface name of 1 to 15 characters without spaces, "/" or ":"';
    r.problems.error(r.at("interface"), `must be ${rule}, got ${JSON.stringify(ifname)}`);
  }
  return ifname;
}

function readVips(r: TableReader, key: string): Vip[] {
  const vips: Vip[] = [];
  const seen = new Set<string>();
  r.list(key, "addresses").forEach((item, i) => {
    const result = parseVip(item);
    if (!result.ok) {
      r.problems.error(r.at(key).concat(i), result.reason);
      return;
    }
    const id = `${result.vip.address} ${result.vip.dev ?? ""}`;
    if (seen.has(id)) r.problems.warn(r.at(key).concat(i), `${result.vip.address} is listed twice`);
    seen.add(id);
    vips.push(result.vip);
  });
  return vips;
}

function readSrcIp(r: TableReader): { text: string; family: IpFamily } | null {
  const mcast = r.optString("mcast_src_ip", "an address");
  const unicast = r.optString("unicast_src_ip", "an address");
  if (mcast !== null && unicast !== null && mcast !== unicast) {
    r.problems.error(r.at("unicast_src_ip"), "is the same setting as mcast_src_ip (keepalived treats them as one); set only one");
  }
  const key = unicast !== null ? "unicast_src_ip" : "mcast_src_ip";
  const text = unicast ?? mcast;
  if (text === null) return null;
  const address = parseAddress(text);
  if (!address) r.problems.error(r.at(key), `must be an IPv4 or IPv6 address, got ${JSON.stringify(text)}`);
  return address;
}

function readPeers(r: TableReader): UnicastPeer[] {
  const peers: UnicastPeer[] = [];
  for (const { value, path } of r.stringList("unicast_peer", "addresses")) {
    const result = parseUnicastPeer(value);
    if (!result.ok) {
      r.problems.error(path, result.reason);
    } else if (peers.some((p) => p.text === result.peer.text)) {
      r.problems.warn(path, `${result.peer.text} is listed twice`);
    } else {
      peers.push(result.peer);
    }
  }
  return peers;
}

/** keepalived refuses unicast_ttl without unicast peers; the kernel refuses a TTL of 0 for a packet it sends. */
function readUnicastTtl(r: TableReader, peers: UnicastPeer[]): number | null {
  if (!r.has("unicast_ttl")) return null;
  const ttl = r.int("unicast_ttl", 1, 255, 255);
  if (peers.length === 0) r.problems.error(r.at("unicast_ttl"), "needs unicast_peer: multicast adverts always carry 255");
  return ttl;
}

/** keepalived checks the sources of unicast adverts when asked, or when a peer has a TTL range. */
function readCheckUnicastSrc(r: TableReader, global: GlobalConfig, peers: UnicastPeer[]): boolean {
  const withTtl = peers.find((p) => p.ttl !== null);
  const check = r.bool("check_unicast_src", global.checkUnicastSrc || withTtl !== undefined);
  if (!check && withTtl) {
    r.problems.error(r.at("check_unicast_src"), `false, but unicast peer ${withTtl.text} has a TTL range, which only that check applies`);
  }
  return check;
}

/** Adverts carry addresses of one family; the source and the peers must be of that family too. */
function checkFamilies(
  r: TableReader,
  vips: Vip[],
  srcIp: { text: string; family: IpFamily } | null,
  peers: { text: string; family: IpFamily }[],
  family: IpFamily,
): void {
  const first = vips[0];
  vips.forEach((vip, i) => {
    if (vip.family !== family && first) {
      r.problems.error(
        r.at("virtual_ipaddress").concat(i),
        `${vip.address} is ${familyName(vip.family)} but the instance's first address ${first.address} is ${familyName(family)}; ` +
          `adverts carry one family: move it to virtual_ipaddress_excluded or to a separate instance`,
      );
    }
  });
  if (srcIp && srcIp.family !== family) {
    const key = r.has("unicast_src_ip") ? "unicast_src_ip" : "mcast_src_ip";
    r.problems.error(r.at(key), `${srcIp.text} is ${familyName(srcIp.family)} but the instance is ${familyName(family)}`);
  }
  const list = r.table.unicast_peer;
  peers.forEach((peer) => {
    if (peer.family === family) return;
    const index = Array.isArray(list)
      ? list.findIndex((v) => typeof v === "string" && parseAddress(v.trim().split(/\s+/)[0]!)?.text === peer.text)
      : -1;
    const at = r.at("unicast_peer").concat(index >= 0 ? [index] : []);
    r.problems.error(at, `${peer.text} is ${familyName(peer.family)} but the instance is ${familyName(family)}`);
  });
}

function readVersion(r: TableReader, global: GlobalConfig, family: IpFamily): 2 | 3 {
  const version = r.int("version", 2, 3, global.vrrpVersion, "2 or 3") as 2 | 3;
  if (family === 6 && version !== 3) {
    if (r.has("version")) r.problems.warn(r.at("version"), "IPv6 instances always use VRRPv3; version = 2 is ignored");
    return 3;
  }
  return version;
}

/** advert_int in seconds to the centiseconds the core counts in, within what the version's field can carry. */
function readAdvertInt(r: TableReader, version: 2 | 3): number {
  const value = r.table.advert_int;
  if (value === undefined) return 100;
  if (version === 2) {
    if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= VRRP_V2_MAX_INTERVAL_S) return value * 100;
    r.problems.error(
      r.at("advert_int"),
      `must be a whole number of seconds from 1 to ${VRRP_V2_MAX_INTERVAL_S} for VRRPv2 (version = 3 allows 0.01 to 40.95), ` +
        `got ${describeValue(value)}`,
    );
    return 100;
  }
  const cs = typeof value === "number" ? Math.round(value * 100) : Number.NaN;
  if (typeof value === "number" && cs >= 1 && cs <= VRRP_V3_MAX_INTERVAL_CS && Math.abs(cs - value * 100) < 1e-6) return cs;
  const allowed = "a number of seconds from 0.01 to 40.95 in steps of 0.01 for VRRPv3";
  r.problems.error(r.at("advert_int"), `must be ${allowed}, got ${describeValue(value)}`);
  return 100;
}

function readAuthentication(r: TableReader, version: 2 | 3, family: IpFamily): InstanceSection["authentication"] {
  const table = r.optTable("authentication", 'a table {auth_type = "PASS", auth_pass = "..."}');
  if (table === null) return null;
  const a = new TableReader(r.problems, r.at("authentication"), table, ["auth_type", "auth_pass"]);
  if (!a.has("auth_type")) {
    a.missing("auth_type", '"PASS"');
    return null;
  }
  const type = a.oneOf("auth_type", ["PASS", "AH"] as const, "PASS");
  const password = a.requiredString("auth_pass", "a password of 1 to 8 characters");
  if (password === null) return null;
  // keepalived ignores AH there and sends unauthenticated adverts; a config asking for AH gets an error instead.
  if (type === "AH" && (version === 3 || family === 6)) {
    r.problems.error(a.at("auth_type"), "AH authenticates only VRRPv2 over IPv4 (version = 2, IPv4 addresses); remove authentication");
    return null;
  }
  if (version === 3) {
    r.problems.warn(r.at("authentication"), "ignored: VRRPv3 has no authentication (keepalived ignores it too)");
    return null;
  }
  if (new TextEncoder().encode(password).length > VRRP_AUTH_DATA_LENGTH) {
    r.problems.warn(a.at("auth_pass"), `only the first ${VRRP_AUTH_DATA_LENGTH} characters are used, as keepalived does`);
    return { type, password: password.slice(0, VRRP_AUTH_DATA_LENGTH) };
  }
  return { type, password };
}

function readLines<T>(
  r: TableReader,
  key: string,
  parse: (line: string) => { ok: true; value: T } | { ok: false; reason: string },
  check: (value: T, path: PathSegment[]) => void = () => {},
): T[] {
  const out: T[] = [];
  for (const { value, path } of r.stringList(key, "lines in ip route/rule syntax")) {
    const result = parse(value);
    if (!result.ok) {
      r.problems.error(path, `${result.reason} in ${JSON.stringify(value)}`);
      continue;
    }
    check(result.value, path);
    out.push(result.value);
  }
  return out;
}

function readRules(r: TableReader): VirtualRule[] {
  return readLines(r, "virtual_rules", parseRule, (rule, path) => {
    // Rules without a preference may be re-added in another order after each transition.
    if (rule.priority === null) r.problems.warn(path, "has no priority (preference); the order of rules may change");
  });
}
