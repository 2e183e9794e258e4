// An advert must leave unfragmented: a fragmented advert is dropped by receivers that do not reassemble (vipd's
// IPv6 receive path counts and drops fragments), which is a split brain. keepalived 2.2.7's rule (vrrp.c, the
// instance's setup) is followed to the byte so a vipd and a keepalived peer with the same VIPs advertise the same
// list: the addresses that fit in one advert on the interface's MTU, at most 255 (the count is 8 bits); the rest
// become excluded VIPs, still added as MASTER but not advertised, with a warning.

import { VRRP_AUTH_DATA_LENGTH, VRRP_HEADER_LENGTH } from "../vrrp/constants.ts";
import type { IpFamily } from "../vrrp/ip-address.ts";
import type { ConfigWarning } from "./config-error.ts";
import type { InstanceSection, VipdConfig } from "./schema.ts";

/** The MTU assumed when the interface's is not known (keepalived's DEFAULT_MTU). */
export const DEFAULT_MTU = 1500;
/** The advert's count of addresses is one byte. */
export const MAX_ADVERT_ADDRESSES = 255;

// keepalived also subtracts an Ethernet header from the MTU (which does not include it): 14 bytes of margin, kept
// so both daemons draw the line at the same address.
const ETHERNET_HEADER_LENGTH = 14;
const IPV4_HEADER_LENGTH = 20;
const IPV6_HEADER_LENGTH = 40;

/** How many addresses one advert carries on a link of `mtu` bytes, by keepalived's count. */
export function maxAdvertAddresses(version: 2 | 3, family: IpFamily, mtu: number): number {
  const ipHeader = family === 4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH;
  const auth = version === 2 && family === 4 ? VRRP_AUTH_DATA_LENGTH : 0;
  const room = mtu - ETHERNET_HEADER_LENGTH - ipHeader - VRRP_HEADER_LENGTH - auth;
  const fits = Math.max(0, Math.floor(room / (family === 4 ? 4 : 16)));
  return Math.min(fits, MAX_ADVERT_ADDRESSES);
}

export interface AdvertFit {
  instance: InstanceSection;
  /** Set when addresses were moved to the excluded ones. */
  warning: ConfigWarning | null;
}

/** `instance` with the VIPs beyond what one advert carries on its interface moved to the end of the excluded. */
export function fitAdvert(instance: InstanceSection, mtu: number | null): AdvertFit {
  const max = maxAdvertAddresses(instance.version, instance.family, mtu ?? DEFAULT_MTU);
  const vips = instance.virtualIpaddress;
  if (vips.length <= max) return { instance, warning: null };
  const moved = vips.length - max;
  const link = mtu === null ? `MTU unknown, ${DEFAULT_MTU} assumed` : `MTU ${mtu}`;
  const message =
    `instance ${instance.name}: ${vips.length} addresses do not fit one unfragmented advert on ${instance.interface} ` +
    `(${link}: at most ${max}); the last ${moved} ${moved === 1 ? "is" : "are"} moved to virtual_ipaddress_excluded ` +
    "(added as MASTER, not advertised), as keepalived does";
  return {
    instance: {
      ...instance,
      virtualIpaddress: vips.slice(0, max),
      virtualIpaddressExcluded: [...instance.virtualIpaddressExcluded, ...vips.slice(max)],
    },
    warning: { ...instance.virtualIpaddressAt, message },
  };
}

/** Every instance fitted to its interface's MTU (`mtuOf` null: not known, e.g. checked offline). */
export function fitAdverts(
  config: VipdConfig,
  mtuOf: (ifname: string) => number | null,
): { config: VipdConfig; warnings: ConfigWarning[] } {
  const warnings: ConfigWarning[] = [];
  const instances = config.instances.map((s) => {
    const fit = fitAdvert(s, mtuOf(s.interface));
    if (fit.warning) warnings.push(fit.warning);
    return fit.instance;
  });
  return { config: warnings.length > 0 ? { ...config, instances } : config, warnings };
}
