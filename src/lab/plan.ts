// The lab's layout as data: names, documentation addresses, MACs and priorities of every host, and the VRRP
// parameters of the run. Pure, so the config generators and the report can be tested without a network.

import type { VrrpVersion } from "../vrrp/advert.ts";

export type PeerKind = "vipd" | "keepalived";

export interface LabOptions {
  routers: number;
  version: VrrpVersion;
  /** Which daemon runs on the first backup (r2); every other router runs vipd. */
  peer: PeerKind;
  /** use_vmac on every router: the VIP answered from the virtual router MAC. */
  vmac?: boolean;
}

export interface HostPlan {
  name: string;
  /** The namespace, `<prefix>-<name>`. */
  ns: string;
  /** The bridge-side end of the host's veth, in the bridge namespace. */
  port: string;
  ipv4: string;
  mac: string;
}

export interface RouterPlan extends HostPlan {
  priority: number;
  daemon: PeerKind;
}

export interface LabPlan {
  prefix: string;
  bridgeNs: string;
  routers: RouterPlan[];
  client: HostPlan;
  vip: string;
  prefixLength: number;
  vrid: number;
  version: VrrpVersion;
  advertIntervalCs: number;
  /** The health script's period; fall = rise = 1 so FAULT follows the first failed run. */
  scriptIntervalMs: number;
  /** With --vmac, the virtual router MAC the VIP is answered from (00:00:5e:00:01:VRID); else null. */
  virtualMac: string | null;
}

export const MIN_ROUTERS = 2;
export const MAX_ROUTERS = 8;
/** 192.0.2.0/24 (RFC 5737 TEST-NET-1): nothing here can ever leak to a real network. */
export const LAB_VIP = "192.0.2.100";

/** A per-run prefix: parallel labs (other PIDs) never share a namespace name. */
export function labPrefix(pid: number): string {
  return `vipdlab-${pid}`;
}

function host(prefix: string, name: string, octet: number): HostPlan {
  return {
    name,
    ns: `${prefix}-${name}`,
    port: `p-${name}`,
    ipv4: `192.0.2.${octet}`,
    // Locally administered, with the address's last octet so a capture line names its sender at a glance.
    mac: `02:00:5e:00:02:${octet.toString(16).padStart(2, "0")}`,
  };
}

export function makePlan(options: LabOptions, prefix: string): LabPlan {
  if (!Number.isInteger(options.routers) || options.routers < MIN_ROUTERS || options.routers > MAX_ROUTERS) {
    throw new RangeError(`routers must be an integer from ${MIN_ROUTERS} to ${MAX_ROUTERS}, got ${options.routers}`);
  }
  const routers: RouterPlan[] = [];
  for (let i = 0; i < options.routers; i++) {
    routers.push({
      ...host(prefix, `r${i + 1}`, 11 + i),
      // r1 is the preferred master; each next router is the next in line.
      priority: 150 - 10 * i,
      daemon: i === 1 ? options.peer : "vipd",
    });
  }
  return {
    prefix,
    bridgeNs: `${prefix}-br`,
    routers,
    client: host(prefix, "client", 2),
    vip: LAB_VIP,
    prefixLength: 24,
    vrid: 51,
    version: options.version,
    // v3 carries centiseconds, so 0.1 s keeps the whole lab short; v2 only knows whole seconds.
    advertIntervalCs: options.version === 3 ? 10 : 100,
    scriptIntervalMs: 100,
    virtualMac: options.vmac ? `00:00:5e:00:01:${(51).toString(16)}` : null,
  };
}
