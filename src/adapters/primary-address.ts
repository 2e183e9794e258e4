// Which of an interface's addresses is "its" address: the one adverts are sent from when none is configured, and
// so the one the core compares in the equal-priority tie-break (RFC 5798 §6.4.3). One rule, used by both.

import type { IpFamily } from "../vrrp/ip-address.ts";

/** RT_SCOPE_HOST and RT_SCOPE_NOWHERE: addresses that never leave the host cannot source an advert. */
const SCOPE_HOST = 254;

export interface ScopedAddress {
  address: Uint8Array;
  scope: number;
}

/**
 * IPv4: the first address the kernel lists (the primary; secondaries follow it) that can leave the host.
 * IPv6: the link-local address (RFC 5798 §5.1.2.1: adverts are sent from it).
 */
export function primaryAddress<T extends ScopedAddress>(family: IpFamily, addresses: readonly T[]): T | undefined {
  if (family === 4) return addresses.find((a) => a.address.length === 4 && a.scope < SCOPE_HOST);
  return addresses.find((a) => a.address.length === 16 && a.address[0] === 0xfe && (a.address[1]! & 0xc0) === 0x80);
}
