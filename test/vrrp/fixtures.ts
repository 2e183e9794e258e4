// Builders shared by the core tests: an InstanceConfig with keepalived's defaults and an advert packet.

import { AUTH_NONE } from "../../src/vrrp/constants.ts";
import { DEFAULT_GARP, type InstanceConfig } from "../../src/vrrp/instance-config.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";

export function ip(text: string): Uint8Array {
  const bytes = parseIp(text);
  if (!bytes) throw new Error(`bad address in test: ${text}`);
  return bytes;
}

export function instance(overrides: Partial<InstanceConfig> & { vips?: string[] } = {}): InstanceConfig {
  const { vips, ...rest } = overrides;
  const family = rest.family ?? 4;
  return {
    name: "VI_1",
    interface: "eth0",
    family,
    version: 3,
    vrid: 51,
    priority: 100,
    advertIntervalCs: 100,
    preempt: true,
    preemptDelayMs: 0,
    advertAddresses: (vips ?? (family === 4 ? ["192.0.2.100"] : ["2001:db8::100"])).map(ip),
    authType: AUTH_NONE,
    authData: new Uint8Array(8),
    checksumAsV2: false,
    skipCheckAdvertAddresses: false,
    primaryAddress: ip(family === 4 ? "192.0.2.1" : "fe80::1"),
    multicastGroup: ip(family === 4 ? "224.0.0.18" : "ff02::12"),
    unicastPeers: [],
    checkUnicastSource: true,
    unicastPeerTtl: [],
    trackers: [],
    garp: DEFAULT_GARP,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: true,
    downTimerAdverts: 3,
    ...rest,
  };
}
