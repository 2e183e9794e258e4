// From the validated config to what the protocol core runs: InstanceConfig per instance, SyncGroupConfig per
// group. The only thing not in the file is each interface's own address, asked of `primaryAddress`.

import { passwordAuthData } from "../vrrp/advert.ts";
import { AUTH_AH, AUTH_NONE, AUTH_PASS, VRRP_AUTH_DATA_LENGTH } from "../vrrp/constants.ts";
import type { InstanceConfig } from "../vrrp/instance-config.ts";
import { parseIp, type IpFamily } from "../vrrp/ip-address.ts";
import type { NodeConfig } from "../vrrp/node.ts";
import type { TrackerConfig } from "../vrrp/tracking.ts";
import { familyName } from "./address.ts";
import type { InstanceSection, VipdConfig } from "./schema.ts";
import { advertInterface } from "./vmac.ts";

/**
 * The address an instance sends adverts from when the config names none: for IPv4 the interface's primary
 * address, for IPv6 its link-local address (RFC 5798 requires it). null when the interface has none (yet).
 */
export type PrimaryAddressLookup = (ifname: string, family: IpFamily) => Uint8Array | null;

export interface ToCoreError {
  instance: string;
  message: string;
}

export type ToCoreResult = { ok: true; node: NodeConfig } | { ok: false; errors: ToCoreError[] };

export const trackerName = {
  script: (name: string) => `script:${name}`,
  interface: (name: string) => `interface:${name}`,
  file: (name: string) => `file:${name}`,
  process: (name: string) => `process:${name}`,
  /** The instance's VRRP socket: down while none is open, so an instance that cannot speak is never MASTER. */
  socket: (ifname: string, family: IpFamily) => `socket:${ifname}/IPv${family}`,
  /** use_vmac: down while the instance's macvlan does not exist (it could not be created). */
  vmac: (name: string) => `vmac:${name}`,
};

export function toCore(config: VipdConfig, primaryAddress: PrimaryAddressLookup): ToCoreResult {
  const instances: InstanceConfig[] = [];
  const errors: ToCoreError[] = [];
  for (const section of config.instances) {
    const source = section.srcIp !== null ? parseIp(section.srcIp) : primaryAddress(section.interface, section.family);
    if (!source) {
      const what = `${familyName(section.family)} address to send adverts from`;
      errors.push({ instance: section.name, message: `interface ${section.interface} has no ${what}; add one or set unicast_src_ip` });
      continue;
    }
    instances.push(instanceConfig(config, section, source));
  }
  if (errors.length > 0) return { ok: false, errors };
  const syncGroups = config.syncGroups.map((g) => ({ name: g.name, members: [...g.group] }));
  return { ok: true, node: { instances, syncGroups, startupDelayMs: config.global.startupDelayMs } };
}

function instanceConfig(config: VipdConfig, s: InstanceSection, primaryAddress: Uint8Array): InstanceConfig {
  return {
    name: s.name,
    interface: advertInterface(s),
    family: s.family,
    version: s.version,
    vrid: s.virtualRouterId,
    priority: s.priority,
    advertIntervalCs: s.advertIntervalCs,
    // keepalived's initial state MASTER: it sets the default priority (255, in the loader), and clears nopreempt
    // and preempt_delay; otherwise a MASTER waits Master_Down_Interval like a BACKUP (keepalived 2.2.7 does too).
    preempt: s.state === "MASTER" || !s.nopreempt,
    preemptDelayMs: s.state === "MASTER" ? 0 : s.preemptDelayMs,
    advertAddresses: s.virtualIpaddress.filter((v) => v.family === s.family).map((v) => v.bytes),
    authType: s.authentication ? (s.authentication.type === "AH" ? AUTH_AH : AUTH_PASS) : AUTH_NONE,
    authData: s.authentication ? passwordAuthData(s.authentication.password) : new Uint8Array(VRRP_AUTH_DATA_LENGTH),
    checksumAsV2: s.v3ChecksumAsV2,
    skipCheckAdvertAddresses: s.skipCheckAdvAddr,
    primaryAddress,
    multicastGroup: parseIp(s.family === 4 ? config.global.vrrpMcastGroup4 : config.global.vrrpMcastGroup6)!,
    unicastPeers: s.unicastPeers.map((p) => parseIp(p)!),
    checkUnicastSource: s.checkUnicastSrc,
    unicastPeerTtl: s.unicastPeerTtl,
    trackers: trackers(config, s),
    garp: {
      masterRepeat: s.garp.masterRepeat,
      masterDelayMs: s.garp.masterDelayMs,
      lowerPrioRepeat: s.garp.lowerPrioRepeat,
      lowerPrioDelayMs: s.garp.lowerPrioDelayMs,
      masterRefreshMs: s.garp.masterRefreshMs,
      masterRefreshRepeat: s.garp.masterRefreshRepeat,
      extraInterfacesRefreshMs: s.garp.extraIfRefreshMs,
    },
    // Strict mode answers no lower-priority master, yields to a higher one without a last advert and keeps the
    // RFCs' Master_Down_Interval, whatever the instance says (keepalived resets them).
    lowerPrioNoAdvert: s.strictMode || s.election.lowerPrioNoAdvert,
    higherPrioSendAdvert: !s.strictMode && s.election.higherPrioSendAdvert,
    downTimerAdverts: s.strictMode ? 3 : s.election.downTimerAdverts,
  };
}

/** Track references resolved against their scripts and files: an unset weight or reverse takes theirs. */
function trackers(config: VipdConfig, s: InstanceSection): TrackerConfig[] {
  const out: TrackerConfig[] = [];
  out.push({ name: trackerName.socket(advertInterface(s), s.family), kind: "status", weight: 0, reverse: false });
  if (s.vmac) out.push({ name: trackerName.vmac(s.vmac.name), kind: "status", weight: 0, reverse: false });
  // Like keepalived, an instance whose own interface goes down is in FAULT.
  if (!s.dontTrackPrimary) out.push({ name: trackerName.interface(s.interface), kind: "status", weight: 0, reverse: false });
  for (const ref of s.trackInterface) {
    out.push({ name: trackerName.interface(ref.name), kind: "status", weight: ref.weight ?? 0, reverse: ref.reverse ?? false });
  }
  for (const ref of s.trackScript) {
    const script = config.scripts.find((x) => x.name === ref.name);
    out.push({
      name: trackerName.script(ref.name),
      kind: "status",
      weight: ref.weight ?? script?.weight ?? 0,
      reverse: ref.reverse ?? script?.reverse ?? false,
    });
  }
  for (const ref of s.trackFile) {
    const file = config.trackFiles.find((x) => x.name === ref.name);
    out.push({
      name: trackerName.file(ref.name),
      kind: "value",
      weight: ref.weight ?? file?.weight ?? 1,
      reverse: ref.reverse ?? file?.reverse ?? false,
    });
  }
  for (const ref of s.trackProcess) {
    const tracked = config.trackProcesses.find((x) => x.name === ref.name);
    out.push({
      name: trackerName.process(ref.name),
      kind: "status",
      weight: ref.weight ?? tracked?.weight ?? 1,
      reverse: ref.reverse ?? tracked?.reverse ?? false,
    });
  }
  return out;
}
