// From the configuration and the real servers' health to the IPVS table vipd wants, as keepalived 2.2.7 would
// set it up. Pure.

import type { DestinationKey, DestinationSettings, ForwardMethod, ServiceKey, ServiceSettings } from "../adapters/ipvs.ts";
import { serviceKeyText } from "../adapters/ipvs.ts";
import type { Forwarding, RealServerConfig, SorryServerConfig, VirtualServerGroupSection, VirtualServerSection } from "../config/schema.ts";
import { groupFamily } from "../config/virtual-server-checks.ts";
import { rangeAddresses } from "../config/virtual-server-group-section.ts";
import type { ServerHealth } from "../check/server-health.ts";
import type { IpFamily } from "../vrrp/ip-address.ts";

export interface DesiredDestination {
  key: DestinationKey;
  settings: DestinationSettings;
}

export interface DesiredService {
  key: ServiceKey;
  settings: ServiceSettings;
  destinations: DesiredDestination[];
  /** The [virtual_servers.NAME] it comes from. */
  owner: string;
}

/** Whether each virtual server had quorum when last applied (keepalived's hysteresis depends on it). */
export type QuorumStates = Map<string, boolean>;

/** The health of real server `index` of a virtual server, from its checkers. */
export type HealthLookup = (virtualServer: string, index: number, server: RealServerConfig) => ServerHealth;

/** Without checkers every real server is up at its configured weight (keepalived too). */
export const ALL_UP: HealthLookup = (_vs, _i, server) => ({ alive: true, weight: server.weight });

const FORWARD: Record<Forwarding["kind"], ForwardMethod> = { NAT: "masq", DR: "route", TUN: "tunnel" };

/**
 * What a virtual server's services were last worked out from, by name: the same section (object), group, health
 * and quorum give the same services back (the same objects), so a reload or a flip does not build or compare
 * again what did not change.
 */
export type DesiredMemo = Map<string, WorkedOut>;

interface WorkedOut {
  section: VirtualServerSection;
  group: string;
  states: readonly ServerHealth[];
  up: boolean;
  services: DesiredService[];
}

/**
 * The services of every virtual server, with their destinations. `quorum` holds the state each virtual server
 * had before (none at start) and is updated: with hysteresis the same weights can mean either state.
 */
export function desiredTable(
  servers: readonly VirtualServerSection[],
  groups: readonly VirtualServerGroupSection[],
  quorum: QuorumStates,
  health: HealthLookup = ALL_UP,
  memo?: DesiredMemo,
): DesiredService[] {
  const out: DesiredService[] = [];
  for (const vs of servers) {
    const states = vs.realServers.map((rs, i) => health(vs.name, i, rs));
    const up = quorumUp(vs, states, quorum.get(vs.name));
    quorum.set(vs.name, up);
    const group = vs.target.kind === "group" ? JSON.stringify(groups.find((g) => g.name === (vs.target as { group: string }).group)) : "";
    const last = memo?.get(vs.name);
    if (last !== undefined && last.section === vs && last.up === up && last.group === group && sameStates(last.states, states)) {
      out.push(...last.services);
      continue;
    }
    const services = serviceKeys(vs, groups).map((key) => ({
      key,
      settings: serviceSettings(vs),
      destinations: destinations(vs, states, key, up),
      owner: vs.name,
    }));
    memo?.set(vs.name, { section: vs, group, states, up, services });
    out.push(...services);
  }
  return out;
}

function sameStates(a: readonly ServerHealth[], b: readonly ServerHealth[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.alive !== b[i]!.alive || a[i]!.weight !== b[i]!.weight) return false;
  return true;
}

/**
 * keepalived's rule: quorum is gained when the live real servers' weight reaches quorum + hysteresis, kept
 * down to quorum - hysteresis, and never held with a total weight of 0. At start it must be gained.
 */
export function quorumUp(vs: VirtualServerSection, states: readonly ServerHealth[], before: boolean | undefined): boolean {
  const total = states.reduce((sum, h) => sum + (h.alive ? h.weight : 0), 0);
  const threshold = before === true ? vs.quorum - vs.hysteresis : vs.quorum + vs.hysteresis;
  return total > 0 && total >= threshold;
}

function serviceSettings(vs: VirtualServerSection): ServiceSettings {
  const s: ServiceSettings = { scheduler: vs.lbAlgo };
  if (vs.persistenceTimeoutS > 0) s.persistenceTimeoutS = vs.persistenceTimeoutS;
  if (vs.persistencePrefix !== null) s.persistencePrefix = vs.persistencePrefix;
  if (vs.onePacket) s.onePacket = true;
  if (vs.schedulerFallback) s.schedulerFallback = true;
  if (vs.schedulerPort) s.schedulerPort = true;
  if (vs.persistenceEngine !== null) s.persistenceEngine = vs.persistenceEngine;
  return s;
}

function serviceKeys(vs: VirtualServerSection, groups: readonly VirtualServerGroupSection[]): ServiceKey[] {
  const t = vs.target;
  if (t.kind === "address") return [{ kind: "address", protocol: t.protocol, address: t.bytes, port: t.port }];
  if (t.kind === "fwmark") return [{ kind: "fwmark", family: t.family, fwmark: t.fwmark }];
  const group = groups.find((g) => g.name === t.group);
  if (group === undefined) return [];
  const keys: ServiceKey[] = [];
  for (const m of group.members) {
    if (m.kind === "fwmark") keys.push({ kind: "fwmark", family: m.family ?? fwmarkFamily(vs, group), fwmark: m.fwmark });
    else for (const address of rangeAddresses(m)) keys.push({ kind: "address", protocol: t.protocol ?? "tcp", address, port: m.port });
  }
  return keys;
}

/** A fwmark member without a family: the group's addresses', else the real servers' (untunnelled), else IPv4. */
function fwmarkFamily(vs: VirtualServerSection, group: VirtualServerGroupSection): IpFamily {
  if (group.members.some((m) => m.family !== null)) return groupFamily(group);
  return vs.realServers.find((rs) => rs.forwarding.kind !== "TUN")?.family ?? 4;
}

/**
 * With quorum: the live real servers, the dead ones with inhibit_on_failure at weight 0, and an inhibited sorry
 * server at weight 0. Without quorum and with a sorry server: the sorry server, and the inhibited real servers at
 * weight 0. Without quorum or sorry server: as with quorum.
 */
function destinations(vs: VirtualServerSection, states: readonly ServerHealth[], service: ServiceKey, up: boolean): DesiredDestination[] {
  const sorry = vs.sorryServer;
  const sorryIsReal = sorry !== null && vs.realServers.some((rs) => sameServer(rs, sorry, service));
  const out: DesiredDestination[] = [];
  vs.realServers.forEach((rs, i) => {
    const health = states[i]!;
    if ((up || sorry === null) && health.alive) out.push(destination(rs, service, health.weight, rs));
    else if (rs.inhibitOnFailure && !(sorry !== null && !up && sameServer(rs, sorry, service))) out.push(destination(rs, service, 0, rs));
  });
  if (sorry !== null && !up) out.push(destination(sorry, service, 1, null));
  else if (sorry?.inhibit && !sorryIsReal) out.push(destination(sorry, service, 0, null));
  return out;
}

function destination(
  server: RealServerConfig | SorryServerConfig,
  service: ServiceKey,
  weight: number,
  real: RealServerConfig | null,
): DesiredDestination {
  const settings: DestinationSettings = { forward: FORWARD[server.forwarding.kind], weight };
  if (real !== null && real.upperThreshold > 0) settings.upperThreshold = real.upperThreshold;
  if (real !== null && real.lowerThreshold > 0) settings.lowerThreshold = real.lowerThreshold;
  const tunnel = server.forwarding.tunnel;
  if (tunnel !== null) {
    settings.tunnel = { type: tunnel.type, checksum: tunnel.checksum };
    if (tunnel.port !== null) settings.tunnel.port = tunnel.port;
  }
  return { key: { address: server.bytes, port: destinationPort(server, service, real !== null) }, settings };
}

/**
 * keepalived's ports: DR and TUN deliver to the service's port (none for fwmark services); a NAT real server
 * without a port takes the service's; a NAT sorry server without one keeps 0.
 */
function destinationPort(server: RealServerConfig | SorryServerConfig, service: ServiceKey, isReal: boolean): number {
  const servicePort = service.kind === "address" ? service.port : 0;
  if (server.forwarding.kind !== "NAT") return servicePort;
  return server.port ?? (isReal ? servicePort : 0);
}

function sameServer(rs: RealServerConfig, sorry: SorryServerConfig, service: ServiceKey): boolean {
  const a = destination(rs, service, 0, rs).key;
  const b = destination(sorry, service, 0, null).key;
  return a.port === b.port && a.address.length === b.address.length && a.address.every((x, i) => x === b.address[i]);
}

/** The text keys of a table's services, for ownership. */
export function serviceNames(services: readonly DesiredService[]): Set<string> {
  return new Set(services.map((s) => serviceKeyText(s.key)));
}
