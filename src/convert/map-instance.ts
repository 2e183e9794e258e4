// vrrp_instance → [instances.NAME], with keepalived 2.2.7's own adjustments made explicit: `state` is
// case-sensitive, MASTER without priority means 255, MASTER clears nopreempt and preempt_delay.

import { parseAddress, parsePrefix } from "../config/address.ts";
import { MAX_DOWN_TIMER_ADVERTS } from "../config/election-section.ts";
import { MAX_GARP_REPEAT, MAX_GARP_SECONDS } from "../config/global-section.ts";
import { TRACK_FILE, TRACK_INTERFACE, TRACK_PROCESS, TRACK_SCRIPT } from "../config/track-refs.ts";
import { parseUnicastPeer } from "../config/unicast-peer.ts";
import { VRRP_AUTH_DATA_LENGTH } from "../vrrp/constants.ts";
import type { ConvertContext } from "./convert-context.ts";
import { mapGarpExtraIf } from "./map-garp-extra-if.ts";
import type { GlobalDefaults } from "./map-global.ts";
import { mapRouteLine, mapRuleLine, mapVipLine, type RulePreferences } from "./map-addresses.ts";
import { blockName } from "./map-scripts.ts";
import { applyVmacRules, vmacHandlers } from "./map-vmac.ts";
import { mapNotify, NOTIFY_KEYWORDS } from "./notify-command.ts";
import type { TomlDocument, TomlSection } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { INSTANCE_UNSUPPORTED } from "./unsupported-keywords.ts";
import { addressArg, boolArg, decimalArg, firstArg, intArg, numberValue } from "./values.ts";
import { walkBlock, type Handler } from "./walk-block.ts";

/** A name an instance refers to (track_script / track_file), resolved once every block is read. */
export interface TrackRefNode {
  name: string;
  node: ConfNode;
}

export interface InstanceInfo {
  name: string;
  node: ConfNode;
  section: TomlSection;
  trackScripts: TrackRefNode[];
  trackFiles: TrackRefNode[];
  trackProcesses: TrackRefNode[];
}

const GARP_KEYS: Record<string, boolean> = {
  garp_master_delay: false,
  garp_master_repeat: true,
  garp_lower_prio_delay: false,
  garp_lower_prio_repeat: true,
  garp_master_refresh: false,
  garp_master_refresh_repeat: true,
};
const V3_MAX_ADVERT_INT = 40.95;
const V2_MAX_ADVERT_INT = 255;

export function mapInstance(
  ctx: ConvertContext,
  doc: TomlDocument,
  node: ConfNode,
  defaults: GlobalDefaults,
  preferences: RulePreferences,
): InstanceInfo | null {
  const name = blockName(ctx, node);
  if (name === null) return null;
  const section = doc.table(["instances", name]);
  const info: InstanceInfo = { name, node, section, trackScripts: [], trackFiles: [], trackProcesses: [] };
  const nodes: Record<string, ConfNode> = {};
  const setInt = (key: string, min: number, max: number) => (n: ConfNode) => {
    const value = intArg(ctx, n, min, max);
    if (value !== null) section.set(key, value);
  };
  const setBool = (key: string) => (n: ConfNode) => {
    const value = boolArg(ctx, n);
    if (value !== null) section.set(key, value);
  };
  const list = (key: string, map: (child: ConfNode) => string | null) => (n: ConfNode) => {
    const items = (n.children ?? []).map(map).filter((v): v is string => v !== null);
    const before = section.get(key);
    section.set(key, [...(Array.isArray(before) ? before : []), ...items]);
  };
  const track = (key: string, maxWeight: number, refs: TrackRefNode[] | null) =>
    list(key, (child) => {
      const entry = trackEntry(ctx, child, maxWeight);
      if (entry !== null) refs?.push({ name: child.keyword, node: child });
      return entry;
    });
  const srcIp = (n: ConfNode) => {
    if (addressArg(ctx, n) === null) return;
    // keepalived keeps one source address for both keywords; the last one written wins.
    section.delete(n.keyword === "mcast_src_ip" ? "unicast_src_ip" : "mcast_src_ip");
    section.set(n.keyword, n.args[0]!);
  };

  const handlers: Record<string, Handler> = {
    state: (n) => {
      nodes.state = n;
      const word = firstArg(ctx, n, "MASTER or BACKUP");
      if (word === null) return;
      if (word === "MASTER" || word === "BACKUP") section.set("state", word);
      else {
        section.set("state", "BACKUP");
        const hint = word.toUpperCase() === "MASTER" ? ' (write "MASTER" exactly to make it master)' : "";
        ctx.warnAfter(
          section,
          "state",
          n,
          `'${word}' is not "MASTER": keepalived is case-sensitive and runs it as BACKUP, written as "BACKUP"${hint}`,
        );
      }
    },
    interface: (n) => {
      if (firstArg(ctx, n, "an interface name") !== null) section.set("interface", n.args[0]!);
    },
    virtual_router_id: setInt("virtual_router_id", 1, 255),
    priority: (n) => {
      nodes.priority = n;
      setInt("priority", 1, 255)(n);
    },
    advert_int: (n) => {
      nodes.advert_int = n;
      const value = decimalArg(ctx, n, 0.01, V2_MAX_ADVERT_INT);
      if (value !== null) section.set("advert_int", numberValue(value));
    },
    version: setInt("version", 2, 3),
    nopreempt: (n) => {
      nodes.nopreempt = n;
      section.set("nopreempt", true);
    },
    preempt: () => {
      // keepalived keeps it for backwards compatibility; preempting is the default.
    },
    preempt_delay: (n) => {
      nodes.preempt_delay = n;
      const value = decimalArg(ctx, n, 0, 1000);
      if (value !== null) section.set("preempt_delay", numberValue(value));
    },
    accept: () => section.set("accept", true),
    no_accept: () => section.set("accept", false),
    strict_mode: (n) => {
      nodes.strict_mode = n;
      const value = boolArg(ctx, n);
      if (value !== null) section.set("strict_mode", value);
    },
    mcast_src_ip: srcIp,
    unicast_src_ip: srcIp,
    unicast_peer: list("unicast_peer", (child) => {
      if (parseAddress(child.keyword) === null) {
        ctx.error(child, `unicast_peer: invalid IP address '${child.keyword}'`);
        return null;
      }
      const line = [child.keyword, ...child.args].join(" ");
      const parsed = parseUnicastPeer(line);
      if (!parsed.ok) {
        ctx.error(child, `unicast_peer: ${parsed.reason}`);
        return null;
      }
      return line;
    }),
    check_unicast_src: () => section.set("check_unicast_src", true),
    unicast_ttl: (n) => {
      nodes.unicast_ttl = n;
      setInt("unicast_ttl", 0, 255)(n);
    },
    authentication: (n) => {
      nodes.authentication = n;
      mapAuthentication(ctx, section, n);
    },
    virtual_ipaddress: list("virtual_ipaddress", (child) => mapVipLine(ctx, section, child)),
    virtual_ipaddress_excluded: list("virtual_ipaddress_excluded", (child) => mapVipLine(ctx, section, child)),
    virtual_routes: list("virtual_routes", (child) => mapRouteLine(ctx, section, child)),
    virtual_rules: list("virtual_rules", (child) => mapRuleLine(ctx, section, child, preferences)),
    track_interface: track("track_interface", TRACK_INTERFACE.maxWeight, null),
    track_script: track("track_script", TRACK_SCRIPT.maxWeight, info.trackScripts),
    track_file: track("track_file", TRACK_FILE.maxWeight, info.trackFiles),
    track_process: track("track_process", TRACK_PROCESS.maxWeight, info.trackProcesses),
    smtp_alert: setBool("smtp_alert"),
    skip_check_adv_addr: setBool("skip_check_adv_addr"),
    garp_extra_if: (n) => mapGarpExtraIf(ctx, section, n),
    vmac_garp_intvl: (n) => mapGarpExtraIf(ctx, section, n),
    lower_prio_no_advert: setBool("lower_prio_no_advert"),
    higher_prio_send_advert: setBool("higher_prio_send_advert"),
    down_timer_adverts: setInt("down_timer_adverts", 1, MAX_DOWN_TIMER_ADVERTS),
    dont_track_primary: () => section.set("dont_track_primary", true),
    v3_checksum_as_v2: (n) => {
      section.set("v3_checksum_as_v2", true);
      ctx.warnAfter(
        section,
        "v3_checksum_as_v2",
        n,
        "keepalived 2.2.7 does not know this keyword and ignores it; newer keepalived and vipd honour it",
      );
    },
    old_unicast_checksum: (n) => {
      if (n.args[0] === "never") {
        ctx.unsupported(section, n, "turned off keepalived's detection of peers using the old VRRPv3 checksum", false);
        return;
      }
      section.set("v3_checksum_as_v2", true, "keepalived's old_unicast_checksum");
    },
    ...Object.fromEntries(
      Object.entries(GARP_KEYS).map(([key, repeat]) => [
        key,
        (n: ConfNode) => {
          const value = repeat ? intArg(ctx, n, 1, MAX_GARP_REPEAT) : decimalArg(ctx, n, 0, MAX_GARP_SECONDS);
          if (value !== null) section.set(key, numberValue(value));
        },
      ]),
    ),
    ...Object.fromEntries(NOTIFY_KEYWORDS.map((k) => [k, (n: ConfNode) => mapNotify(ctx, section, n)])),
    ...vmacHandlers(ctx, section, nodes),
  };
  walkBlock(ctx, section, node.children!, handlers, INSTANCE_UNSUPPORTED);
  if (!section.has("interface"))
    ctx.error(node, `vrrp_instance ${name}: no interface; vipd needs one (keepalived allows none only with unicast)`);
  if (!section.has("virtual_router_id")) ctx.error(node, `vrrp_instance ${name}: missing virtual_router_id`);
  applyKeepalivedRules(ctx, section, nodes, defaults, node);
  fixUnicastTtl(ctx, section, nodes.unicast_ttl);
  applyVmacRules(ctx, section, nodes, defaults.strict);
  return info;
}

/** `NAME [weight N] [reverse|noreverse]` entries of track_interface / track_script / track_file. */
function trackEntry(ctx: ConvertContext, node: ConfNode, maxWeight: number): string | null {
  const words = [node.keyword];
  for (let i = 0; i < node.args.length; i++) {
    const word = node.args[i]!;
    if (word === "weight") {
      const weight = intArg(ctx, node, -maxWeight, maxWeight, node.args[++i]);
      if (weight === null) return null;
      words.push("weight", String(weight));
    } else if (word === "reverse" || word === "noreverse" || word === "no_reverse") {
      words.push(word);
    } else {
      ctx.error(node, `${node.keyword}: unexpected '${word}' (the form is NAME [weight N] [reverse|noreverse])`);
      return null;
    }
  }
  return words.join(" ");
}

function mapAuthentication(ctx: ConvertContext, section: TomlSection, node: ConfNode): void {
  const children = node.children ?? [];
  const type = children.filter((c) => c.keyword === "auth_type").pop();
  const pass = children.filter((c) => c.keyword === "auth_pass").pop();
  for (const c of children) {
    if (c.keyword !== "auth_type" && c.keyword !== "auth_pass") ctx.warn(section, c, "unknown keyword in authentication, ignored");
  }
  if (type === undefined) {
    ctx.warn(section, node, "no auth_type: keepalived 2.2.7 sends adverts without authentication, so does vipd");
    return;
  }
  const typeWord = type.args[0] ?? "";
  if (typeWord !== "PASS" && typeWord !== "AH") {
    ctx.error(type, `auth_type: '${typeWord}' is neither PASS nor AH`);
    return;
  }
  if (type.args.length > 1) {
    // keepalived reads one statement per line: `auth_type AH auth_pass X` on one line sets no password.
    ctx.warn(section, type, `keepalived reads only '${typeWord}' and ignores the rest of the line ('${type.args.slice(1).join(" ")}')`);
  }
  const password = pass?.args.join(" ") ?? "";
  if (password === "") {
    // keepalived 2.2.7: "Authentication specified but no password given. Ignoring": it runs without authentication.
    ctx.warn(section, type, `${typeWord} without auth_pass: keepalived ignores the authentication ("no password given"), left out`);
    return;
  }
  const bytes = new TextEncoder().encode(password);
  let written = password;
  if (bytes.length > VRRP_AUTH_DATA_LENGTH) {
    written = new TextDecoder().decode(bytes.slice(0, VRRP_AUTH_DATA_LENGTH));
    ctx.warn(
      section,
      pass!,
      `longer than ${VRRP_AUTH_DATA_LENGTH} characters: keepalived uses the first ${VRRP_AUTH_DATA_LENGTH} ("${written}"), written that way`,
    );
  }
  section.set("authentication", { auth_type: typeWord, auth_pass: written });
}

function isIpv6Instance(section: TomlSection): boolean {
  const vips = section.get("virtual_ipaddress");
  const first = Array.isArray(vips) && typeof vips[0] === "string" ? vips[0].split(" ")[0]! : null;
  return first !== null && parsePrefix(first)?.family === 6;
}

/** What keepalived 2.2.7 decides after reading the block, written out so vipd does the same. */
function applyKeepalivedRules(
  ctx: ConvertContext,
  section: TomlSection,
  nodes: Record<string, ConfNode>,
  defaults: GlobalDefaults,
  block: ConfNode,
): void {
  const strict = (section.get("strict_mode") as boolean | undefined) ?? defaults.strict;
  const version = isIpv6Instance(section) ? 3 : ((section.get("version") as 2 | 3 | undefined) ?? defaults.vrrpVersion);
  if (section.get("state") === "MASTER" && !section.has("priority")) {
    section.set("priority", 255, "keepalived: state MASTER without a priority means 255 (address owner)");
  }
  // Strict mode ignores authentication before keepalived looks at AH.
  if (strict) applyStrictRules(ctx, section, nodes, block);
  const priority = section.get("priority");
  const ah = (section.get("authentication") as { auth_type?: string } | undefined)?.auth_type === "AH";
  // keepalived checks this after ignoring authentication for v3, and lets an address owner start as MASTER.
  if (section.get("state") === "MASTER" && ah && version === 2 && priority !== 255) {
    section.set("state", "BACKUP");
    ctx.warnAfter(
      section,
      "state",
      nodes.state!,
      'keepalived clears state MASTER with AH authentication ("incompatible"), written as "BACKUP"',
    );
  }
  const isMaster = section.get("state") === "MASTER";
  if (section.has("nopreempt") && (isMaster || priority === 255)) {
    section.delete("nopreempt");
    const why = isMaster ? "keepalived clears it with state MASTER" : "keepalived clears it with priority 255";
    ctx.warn(section, nodes.nopreempt!, `${why} ("nopreempt will not work"), left out`);
  }
  if (isMaster && typeof section.get("preempt_delay") === "number" && section.get("preempt_delay") !== 0) {
    section.delete("preempt_delay");
    ctx.warn(section, nodes.preempt_delay!, 'keepalived clears it with state MASTER ("preempt delay will not work"), left out');
  }
  fixAdvertInt(ctx, section, nodes.advert_int, version);
  if (version === 3 && section.has("authentication")) {
    section.delete("authentication");
    ctx.warn(section, nodes.authentication!, "VRRPv3 has no authentication: keepalived ignores it, left out");
  }
  applyGlobalDefaults(section, defaults);
}

/**
 * What strict mode changes, written out: the initial state follows the priority, authentication and preempt_delay
 * are left out; unicast peers and an instance without addresses are errors, as keepalived refuses to run them.
 * Accept mode and the rest vipd's loader applies from vrrp_strict / strict_mode itself, as keepalived does.
 */
function applyStrictRules(ctx: ConvertContext, section: TomlSection, nodes: Record<string, ConfNode>, block: ConfNode): void {
  const child = (keyword: string) => block.children?.find((c) => c.keyword === keyword) ?? block;
  if (section.has("unicast_peer")) ctx.error(child("unicast_peer"), "unicast_peer: keepalived does not run unicast peers in strict mode");
  if (!section.has("virtual_ipaddress")) ctx.error(block, `${block.keyword}: keepalived requires a virtual address in strict mode`);
  if (typeof section.get("preempt_delay") === "number" && section.get("preempt_delay") !== 0) {
    section.delete("preempt_delay");
    ctx.warn(section, nodes.preempt_delay!, "strict mode: keepalived resets it, left out");
  }
  const owner = section.get("priority") === 255;
  if (!nodes.state && owner) section.set("state", "MASTER", "keepalived: priority 255 without a state starts as MASTER");
  if (nodes.state && (section.get("state") === "MASTER") !== owner) {
    const state = owner ? "MASTER" : "BACKUP";
    section.set("state", state);
    ctx.warnAfter(section, "state", nodes.state, `strict mode: keepalived sets the state from the priority, written as "${state}"`);
  }
  if (section.has("authentication")) {
    section.delete("authentication");
    ctx.warn(section, nodes.authentication!, "strict mode: keepalived ignores authentication, left out");
  }
}

/** keepalived resets unicast_ttl without peers ("Cannot use unicast_ttl without unicast peers") and sends TTL 0 as
 * written, which the kernel refuses to vipd: 0 is written as 1 (such adverts never left the host either way). */
function fixUnicastTtl(ctx: ConvertContext, section: TomlSection, node: ConfNode | undefined): void {
  if (node === undefined || !section.has("unicast_ttl")) return;
  if (!section.has("unicast_peer")) {
    section.delete("unicast_ttl");
    ctx.warn(section, node, 'without unicast peers: keepalived resets it ("Cannot use unicast_ttl without unicast peers"), left out');
  } else if (section.get("unicast_ttl") === 0) {
    section.set("unicast_ttl", 1);
    ctx.warnAfter(section, "unicast_ttl", node, "0: adverts that never leave the host; vipd's kernel refuses TTL 0, written as 1");
  }
}

function fixAdvertInt(ctx: ConvertContext, section: TomlSection, node: ConfNode | undefined, version: 2 | 3): void {
  const value = section.get("advert_int");
  if (typeof value !== "number" || node === undefined) return;
  if (version === 2 && !Number.isInteger(value)) {
    const rounded = Math.max(1, Math.round(value));
    section.set("advert_int", rounded);
    ctx.warnAfter(
      section,
      "advert_int",
      node,
      `${value} s: VRRPv2 intervals are whole seconds; keepalived rounds to ${rounded}, written that way`,
    );
  } else if (version === 3 && (value > V3_MAX_ADVERT_INT || Math.abs(value * 100 - Math.round(value * 100)) > 1e-6)) {
    ctx.error(node, `advert_int: ${value} is not a VRRPv3 interval (0.01 to ${V3_MAX_ADVERT_INT} in steps of 0.01)`);
  }
}

/** global_defs settings that are per-instance defaults in keepalived. */
function applyGlobalDefaults(section: TomlSection, defaults: GlobalDefaults): void {
  const from = (what: string): string => `from global_defs ${what}`;
  if (defaults.skipCheckAdvAddr && !section.has("skip_check_adv_addr"))
    section.set("skip_check_adv_addr", true, from("vrrp_skip_check_adv_addr"));
  if (defaults.notifyFifo !== null) {
    const fifo = defaults.notifyFifo;
    section.set("notify_fifo", fifo.path, from(fifo.node.keyword));
    const reader = defaults.notifyFifoScripts.get(fifo.node.keyword);
    if (reader) section.set("notify_fifo_script", reader.value, from(reader.node.keyword));
  }
  const peers = section.get("unicast_peer");
  const ranged = Array.isArray(peers) && peers.some((p) => typeof p === "string" && p.includes("_ttl"));
  if (defaults.checkUnicastSrc) {
    if (!section.has("check_unicast_src")) section.set("check_unicast_src", true, from("vrrp_check_unicast_src"));
  } else if (Array.isArray(peers) && peers.length > 0 && !section.has("check_unicast_src") && !ranged) {
    section.set("check_unicast_src", false, "keepalived accepts unicast adverts from any source without check_unicast_src");
  }
}
