// From the validated config and a snapshot of the host's links and addresses to what the core and the driver
// run: the core's NodeConfig, and per instance where adverts go, which addresses, routes and rules to add on
// MASTER, what to announce, which notify scripts to run. Pure: the host comes in as data.

import { probeKey } from "../check/check-definition.ts";
import type { AddressSpec, HostSnapshot, Link, RouteSpec, RuleSpec } from "../adapters/address-manager.ts";
import { primaryAddress } from "../adapters/primary-address.ts";
import { fitAdverts } from "../config/advert-fit.ts";
import type { ConfigWarning } from "../config/config-error.ts";
import type { Command, InstanceSection, NotifyCommands, VipdConfig, VirtualRoute, VirtualRule, Vip } from "../config/schema.ts";
import { announceIntervalMs } from "../config/garp-groups.ts";
import { toCore } from "../config/to-core.ts";
import type { NotifyScript, NotifyScripts } from "../notify/notify-plan.ts";
import type { Ids, UserLookup } from "../adapters/user-lookup.ts";
import { type IpFamily, parseIp } from "../vrrp/ip-address.ts";
import { advertInterface, vipInterface, virtualRouterMac } from "../config/vmac.ts";
import type { WantedVmac } from "./vmac-manager.ts";
import type { NodeConfig } from "../vrrp/node.ts";
import { type FifoReader, fifoReaders, type LifecycleRuns, lifecycleRuns, scriptUserIds } from "./global-scripts.ts";

/** Everything the driver needs to know about one instance beyond the core's InstanceConfig. */
export interface InstancePlan {
  name: string;
  ifname: string;
  family: IpFamily;
  /** Where adverts go: the multicast group, or every unicast peer. */
  destinations: Uint8Array[];
  /** unicast_ttl: the adverts' TTL / hop limit when not 255. */
  ttl?: number;
  /** Source address when configured (mcast_src_ip / unicast_src_ip); else the transport's default. */
  source?: Uint8Array;
  group?: Uint8Array;
  /** Adverts go inside IPsec AH (auth_type AH): the instance needs an AH transport. */
  ipsecAh?: boolean;
  /** VIPs and excluded addresses, added on MASTER and removed on leaving it. */
  addresses: AddressSpec[];
  /**
   * No-accept mode (accept = false, never for the owner): the same addresses, whose traffic is dropped while
   * MASTER (src/adapters/no-accept-filter.ts). Empty in accept mode.
   */
  blocked: Uint8Array[];
  /** Addresses to announce with gratuitous ARP / unsolicited NA, per interface (garp_group: with its own spacing). */
  announce: { ifname: string; addresses: Uint8Array[]; intervalMs?: number }[];
  announceIntervalMs: number;
  routes: RouteSpec[];
  rules: RuleSpec[];
  notify: NotifyScripts;
  /** use_vmac: the macvlan the daemon creates before the instance starts (src/daemon/vmac-manager.ts). */
  vmac?: WantedVmac;
}

/** An instance left out until its interface can carry it (dynamic_interfaces), and the interface it waits for. */
export interface WaitingInstance {
  instance: string;
  ifname: string;
}

export interface Prepared {
  /** With dynamic_interfaces: instances left out until their interface exists and has an address. */
  waiting: WaitingInstance[];
  node: NodeConfig;
  plans: InstancePlan[];
  groupNotify: Map<string, NotifyScripts>;
  /** global.script_user's ids, or null (scripts run as the daemon's user). */
  scriptIds: Ids | null;
  /** What was changed to fit the host: VIPs beyond one advert on the interface's MTU moved to the excluded. */
  warnings: ConfigWarning[];
  /** The ids each MISC_CHECK program runs as (its own user, else global.script_user), by check key. */
  checkIds: Map<string, Ids>;
  /** startup_script / shutdown_script with the ids they run as. */
  lifecycle: LifecycleRuns;
  /** The notify FIFOs' readers (notify_fifo_script). */
  fifoReaders: FifoReader[];
}

export type PrepareResult = { ok: true; prepared: Prepared } | { ok: false; problems: string[] };

/** Checks `config` against the host and derives what the core and the driver run. Changes nothing. */
export function prepare(writtenConfig: VipdConfig, host: HostSnapshot, lookupUser: UserLookup): PrepareResult {
  const linkByName = new Map(host.links.map((l) => [l.name, l]));
  const fitted = fitAdverts(writtenConfig, (ifname) => linkByName.get(ifname)?.mtu ?? null);
  const fullConfig = fitted.config;
  const sourceOf = (ifname: string, family: IpFamily): Uint8Array | null => {
    const link = linkByName.get(ifname);
    if (!link) return null;
    const own = host.addresses.filter((a) => a.ifindex === link.ifindex && a.family === family);
    return primaryAddress(family, own)?.address ?? null;
  };
  const missingOf = (s: InstanceSection): string | null => {
    const missing = [s.interface, ...s.virtualIpaddress.map((v) => v.dev ?? s.interface)].find((n) => !linkByName.has(n));
    if (missing) return missing;
    return s.srcIp === null && !sourceOf(s.interface, s.family) ? s.interface : null;
  };
  const { config, waiting } = fullConfig.global.dynamicInterfaces
    ? withoutMissingInterfaces(fullConfig, missingOf)
    : { config: fullConfig, waiting: [] };
  const core = toCore(config, sourceOf);
  const plans = buildPlans(config, host.links, lookupUser, sourceOf);
  const problems = [...(core.ok ? [] : core.errors.map((e) => `instance ${e.instance}: ${e.message}`)), ...(plans.ok ? [] : plans.errors)];
  const scriptIds = scriptUserIds(config, lookupUser, problems);
  const lifecycle = lifecycleRuns(config, lookupUser, scriptIds, problems);
  const readers = fifoReaders(config, lookupUser, scriptIds, problems);
  const groupNotify = new Map(
    config.syncGroups.map((g) => [g.name, notifyScripts(g.notify, lookupUser, `sync_groups.${g.name}`, problems)]),
  );
  const checkIds = miscCheckIds(config, lookupUser, scriptIds, problems);
  if (problems.length > 0 || !core.ok || !plans.ok) return { ok: false, problems };
  return {
    ok: true,
    prepared: {
      waiting,
      node: core.node,
      plans: plans.plans,
      groupNotify,
      scriptIds,
      checkIds,
      warnings: fitted.warnings,
      lifecycle,
      fifoReaders: readers,
    },
  };
}

/**
 * MISC_CHECK programs' users resolved; a user of one of them, or of a real server's notify_up / notify_down or a
 * virtual server's quorum_up / quorum_down, that does not resolve is a problem (never quietly root instead).
 */
function miscCheckIds(config: VipdConfig, lookupUser: UserLookup, scriptIds: Ids | null, problems: string[]): Map<string, Ids> {
  const out = new Map<string, Ids>();
  const resolvable = (where: string, command: Command | null) => {
    const runAs = command?.runAs;
    if (runAs && !lookupUser(runAs.user, runAs.group)) {
      problems.push(`${where}: no user ${runAs.user}${runAs.group ? ` or group ${runAs.group}` : ""}`);
    }
  };
  for (const vs of config.virtualServers) {
    resolvable(`virtual_servers.${vs.name}.quorum_up`, vs.quorumUp);
    resolvable(`virtual_servers.${vs.name}.quorum_down`, vs.quorumDown);
    vs.realServers.forEach((rs, i) => {
      if (rs.notifyUp === null && rs.notifyDown === null && rs.checks.length === 0) return;
      resolvable(`virtual_servers.${vs.name}.real_servers[${i}].notify_up`, rs.notifyUp);
      resolvable(`virtual_servers.${vs.name}.real_servers[${i}].notify_down`, rs.notifyDown);
      for (const { definition } of rs.checks) {
        if (definition.kind !== "MISC_CHECK") continue;
        const runAs = definition.runAs;
        const ids = runAs ? lookupUser(runAs.user, runAs.group) : scriptIds;
        if (runAs && !ids) {
          problems.push(
            `virtual_servers.${vs.name}.real_servers[${i}].MISC_CHECK: no user ${runAs.user}${runAs.group ? ` or group ${runAs.group}` : ""}`,
          );
        }
        if (ids) out.set(probeKey(definition), ids);
      }
    });
  }
  return out;
}

/**
 * dynamic_interfaces: the instances whose interface (or a VIP's device) does not exist yet, or has no address to
 * send adverts from, are left out, and so is every member of a sync group one of them belongs to (the group moves
 * as one).
 */
function withoutMissingInterfaces(
  config: VipdConfig,
  missingOf: (s: InstanceSection) => string | null,
): { config: VipdConfig; waiting: WaitingInstance[] } {
  const waiting: WaitingInstance[] = [];
  const out = new Set<string>();
  for (const s of config.instances) {
    const missing = missingOf(s);
    if (missing) {
      waiting.push({ instance: s.name, ifname: missing });
      out.add(s.name);
    }
  }
  for (const group of config.syncGroups) {
    const blocked = group.group.find((m) => out.has(m));
    if (!blocked) continue;
    for (const member of group.group) {
      if (out.has(member)) continue;
      out.add(member);
      waiting.push({ instance: member, ifname: waiting.find((w) => w.instance === blocked)!.ifname });
    }
  }
  return {
    config: {
      ...config,
      instances: config.instances.filter((s) => !out.has(s.name)),
      syncGroups: config.syncGroups.filter((g) => !g.group.some((m) => out.has(m))),
    },
    waiting,
  };
}

export type PlanResult = { ok: true; plans: InstancePlan[] } | { ok: false; errors: string[] };

const SCOPES: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };

/**
 * `sourceOf` gives an interface's own address: an instance on a VMAC sends from its base interface's (the VMAC
 * has none of its own).
 */
export function buildPlans(
  config: VipdConfig,
  links: readonly Link[],
  lookupUser: UserLookup,
  sourceOf: (ifname: string, family: IpFamily) => Uint8Array | null = () => null,
): PlanResult {
  const byName = new Map(links.map((l) => [l.name, l]));
  const errors: string[] = [];
  const plans: InstancePlan[] = [];
  for (const s of config.instances) {
    const problems: string[] = [];
    const ifindexOf = (name: string): number => {
      const link = byName.get(name);
      // A VMAC that could not be created: its instance is FAULT (the vmac tracker), not the whole config refused.
      if (!link && name === s.vmac?.name) return 0;
      if (!link) {
        problems.push(`instance ${s.name}: interface ${name} does not exist`);
        return 0;
      }
      return link.ifindex;
    };
    ifindexOf(s.interface);
    const group = parseIp(s.family === 4 ? config.global.vrrpMcastGroup4 : config.global.vrrpMcastGroup6)!;
    const destinations = s.unicastPeers.length > 0 ? s.unicastPeers.map((p) => parseIp(p)!) : [group];
    const vips = [...s.virtualIpaddress, ...s.virtualIpaddressExcluded];
    const addresses = vips.map((vip) => addressSpec(vip, ifindexOf(vip.dev ?? vipInterface(s))));
    const announce = new Map<string, Uint8Array[]>();
    for (const vip of vips) {
      const ifname = vip.dev ?? vipInterface(s);
      announce.set(ifname, [...(announce.get(ifname) ?? []), vip.bytes]);
    }
    const routes = s.virtualRoutes.map((r) => routeSpec(r, s, ifindexOf, problems));
    const rules = s.virtualRules.map((r) => ruleSpec(r, (r.from ?? r.to ?? "").includes(":") ? 6 : s.family, problems));
    const notify = notifyScripts(s.notify, lookupUser, `instances.${s.name}`, problems);
    if (problems.length > 0) {
      errors.push(...problems);
      continue;
    }
    const source = s.srcIp !== null ? parseIp(s.srcIp)! : s.vmac ? (sourceOf(s.interface, s.family) ?? undefined) : undefined;
    plans.push({
      name: s.name,
      ifname: advertInterface(s),
      family: s.family,
      destinations,
      ttl: s.unicastTtl ?? undefined,
      source,
      group: s.unicastPeers.length > 0 ? undefined : group,
      ipsecAh: s.authentication?.type === "AH",
      addresses,
      blocked: s.accept ? [] : vips.map((vip) => vip.bytes),
      announce: [...announce].map(([ifname, list]) => ({
        ifname,
        addresses: list,
        intervalMs: announceIntervalMs(config.global, ifname, s.family),
      })),
      announceIntervalMs: s.family === 4 ? config.global.garpIntervalMs : config.global.gnaIntervalMs,
      routes: routes.filter((r): r is RouteSpec => r !== null),
      rules: rules.filter((r): r is RuleSpec => r !== null),
      notify,
      ...(s.vmac && {
        vmac: {
          instance: s.name,
          name: s.vmac.name,
          parentIfname: s.interface,
          family: s.family,
          mac: virtualRouterMac(s.family, s.virtualRouterId),
          xmitBase: s.vmac.xmitBase,
          linkLocal: advertInterface(s) === s.vmac.name && s.family === 6 ? source : undefined,
          ipv6Vips: vips.some((v) => v.family === 6 && (v.dev ?? s.vmac?.name) === s.vmac?.name),
        },
      }),
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plans };
}

/**
 * The notify commands with their own users resolved; a user or group that does not resolve is a problem (it
 * must never quietly run as root instead).
 */
export function notifyScripts(commands: NotifyCommands, lookupUser: UserLookup, where: string, problems: string[]): NotifyScripts {
  const scripts: NotifyScripts = {};
  const script = (key: keyof NotifyScripts, command: Command | null) => {
    if (!command) return;
    const entry: NotifyScript = { line: command.raw };
    if (command.runAs) {
      const ids = lookupUser(command.runAs.user, command.runAs.group);
      if (ids) entry.runAs = ids;
      else problems.push(`${where}.${key}: no user ${command.runAs.user}${command.runAs.group ? ` or group ${command.runAs.group}` : ""}`);
    }
    scripts[key] = entry;
  };
  script("notify_master", commands.master);
  script("notify_backup", commands.backup);
  script("notify_fault", commands.fault);
  script("notify_stop", commands.stop);
  script("notify", commands.any);
  return scripts;
}

function addressSpec(vip: Vip, ifindex: number): AddressSpec {
  const spec: AddressSpec = { ifindex, address: vip.bytes, prefixlen: vip.prefixLength };
  if (vip.label) spec.label = vip.label;
  if (vip.scope) spec.scope = SCOPES[vip.scope];
  if (vip.family === 6) spec.nodad = true; // a VIP must answer at once, not after duplicate address detection
  if (vip.family === 4 && vip.brd) spec.broadcast = broadcastOf(vip);
  return spec;
}

/** keepalived's `brd`: an address, or "+" (host bits set) / "-" (host bits clear). */
function broadcastOf(vip: Vip): Uint8Array {
  if (vip.brd !== "+" && vip.brd !== "-") return parseIp(vip.brd!)!;
  const out = Uint8Array.from(vip.bytes);
  for (let bit = vip.prefixLength; bit < 32; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    out[byte] = vip.brd === "+" ? out[byte]! | mask : out[byte]! & ~mask;
  }
  return out;
}

function table(name: string | null, problems: string[], where: string): number | undefined {
  if (name === null) return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  const known = TABLES[name];
  if (known === undefined) problems.push(`${where}: routing table "${name}" is not a number nor main, local or default`);
  return known;
}

function prefix(text: string, family: IpFamily): { address: Uint8Array; prefixlen: number } | null {
  if (text === "default") return { address: new Uint8Array(family === 4 ? 4 : 16), prefixlen: 0 };
  const [address, length] = text.split("/");
  const bytes = parseIp(address!);
  if (!bytes) return null;
  return { address: bytes, prefixlen: length === undefined ? bytes.length * 8 : Number(length) };
}

function routeSpec(r: VirtualRoute, s: InstanceSection, ifindexOf: (name: string) => number, problems: string[]): RouteSpec | null {
  const where = `instance ${s.name}: virtual route "${r.raw}"`;
  const family: IpFamily = r.destination.includes(":") ? 6 : r.destination === "default" ? s.family : 4;
  const dst = prefix(r.destination, family);
  if (!dst) {
    problems.push(`${where}: bad destination`);
    return null;
  }
  if (r.type !== null && r.type !== "blackhole") {
    problems.push(`${where}: route type ${r.type} is not supported`);
    return null;
  }
  const spec: RouteSpec = { family, dst: dst.address, prefixlen: dst.prefixlen };
  if (r.via) spec.via = parseIp(r.via)!;
  if (r.src) spec.src = parseIp(r.src)!;
  if (r.dev) spec.ifindex = ifindexOf(r.dev);
  const t = table(r.table, problems, where);
  if (t !== undefined) spec.table = t;
  if (r.type === "blackhole") spec.blackhole = true;
  return spec;
}

function ruleSpec(r: VirtualRule, family: IpFamily, problems: string[]): RuleSpec | null {
  const where = `virtual rule "${r.raw}"`;
  const t = table(r.table, problems, where);
  if (t === undefined) {
    problems.push(`${where}: a rule needs a table`);
    return null;
  }
  const spec: RuleSpec = { family, table: t };
  const from = r.from ? prefix(r.from, family) : null;
  const to = r.to ? prefix(r.to, family) : null;
  if (from) spec.from = from;
  if (to) spec.to = to;
  if (r.priority !== null) spec.priority = r.priority;
  return spec;
}
