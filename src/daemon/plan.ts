// From the validated config and the host's links to what the driver needs per instance: where adverts go,
// which addresses, routes and rules to add on MASTER, what to announce, which notify scripts to run.

import type { AddressSpec, Link, RouteSpec, RuleSpec } from "../adapters/address-manager.ts";
import type { NotifyScripts } from "../notify/notify-plan.ts";
import type { InstanceSection, NotifyCommands, VipdConfig, VirtualRoute, VirtualRule, Vip } from "../config/schema.ts";
import { parseIp, type IpFamily } from "../vrrp/ip-address.ts";
import type { InstancePlan } from "./driver.ts";

export type PlanResult = { ok: true; plans: InstancePlan[] } | { ok: false; errors: string[] };

const SCOPES: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };

export function buildPlans(config: VipdConfig, links: readonly Link[]): PlanResult {
  const byName = new Map(links.map((l) => [l.name, l]));
  const errors: string[] = [];
  const plans: InstancePlan[] = [];
  for (const s of config.instances) {
    const problems: string[] = [];
    const ifindexOf = (name: string): number => {
      const link = byName.get(name);
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
    const addresses = vips.map((vip) => addressSpec(vip, ifindexOf(vip.dev ?? s.interface)));
    const announce = new Map<string, Uint8Array[]>();
    for (const vip of vips) {
      const ifname = vip.dev ?? s.interface;
      announce.set(ifname, [...(announce.get(ifname) ?? []), vip.bytes]);
    }
    const routes = s.virtualRoutes.map((r) => routeSpec(r, s, ifindexOf, problems));
    const rules = s.virtualRules.map((r) => ruleSpec(r, (r.from ?? r.to ?? "").includes(":") ? 6 : s.family, problems));
    if (problems.length > 0) {
      errors.push(...problems);
      continue;
    }
    plans.push({
      name: s.name,
      ifname: s.interface,
      family: s.family,
      destinations,
      source: s.srcIp !== null ? parseIp(s.srcIp)! : undefined,
      group: s.unicastPeers.length > 0 ? undefined : group,
      addresses,
      announce: [...announce].map(([ifname, list]) => ({ ifname, addresses: list })),
      announceIntervalMs: s.family === 4 ? config.global.garpIntervalMs : config.global.gnaIntervalMs,
      routes: routes.filter((r): r is RouteSpec => r !== null),
      rules: rules.filter((r): r is RuleSpec => r !== null),
      notify: notifyScripts(s.notify),
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plans };
}

export function notifyScripts(commands: NotifyCommands): NotifyScripts {
  const scripts: NotifyScripts = {};
  if (commands.master) scripts.notify_master = commands.master.raw;
  if (commands.backup) scripts.notify_backup = commands.backup.raw;
  if (commands.fault) scripts.notify_fault = commands.fault.raw;
  if (commands.stop) scripts.notify_stop = commands.stop.raw;
  if (commands.any) scripts.notify = commands.any.raw;
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
