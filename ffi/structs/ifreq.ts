// struct ifreq (net/if.h) for the SIOCGIF* ioctls: a NUL-padded name then a union.
import { IFNAMSIZ } from "../constants.ts";
import { getI32, getU16 } from "./bytes.ts";

export const C_TYPE = "struct ifreq";
export const SIZE = 40;
/** ifr_ifindex, ifr_flags, ifr_mtu and ifr_hwaddr are members of the same union (all at 16). */
export const OFFSETS = { ifr_name: 0, ifr_ifindex: 16, ifr_flags: 16, ifr_mtu: 16, ifr_hwaddr: 16 } as const;
/** Within ifr_hwaddr (a struct sockaddr): sa_family then sa_data. */
export const HWADDR_FAMILY_OFFSET = OFFSETS.ifr_hwaddr;
export const HWADDR_DATA_OFFSET = OFFSETS.ifr_hwaddr + 2;

/** Clears `out` and writes the interface name; names of IFNAMSIZ bytes or more are rejected, not truncated. */
export function encodeName(out: Uint8Array, name: string): void {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.length >= IFNAMSIZ) throw new RangeError(`bad interface name "${name}"`);
  out.fill(0, 0, SIZE);
  out.set(bytes, OFFSETS.ifr_name);
}

export function getIfindex(b: Uint8Array): number {
  return getI32(b, OFFSETS.ifr_ifindex);
}
/** ifr_flags is a short: only the low 16 flag bits are reported (IFF_LOWER_UP needs netlink). */
export function getFlags(b: Uint8Array): number {
  return getU16(b, OFFSETS.ifr_flags);
}
export function getMtu(b: Uint8Array): number {
  return getI32(b, OFFSETS.ifr_mtu);
}
export function getHwaddr(b: Uint8Array, len = 6): { family: number; addr: Uint8Array } {
  return { family: getU16(b, HWADDR_FAMILY_OFFSET), addr: b.slice(HWADDR_DATA_OFFSET, HWADDR_DATA_OFFSET + len) };
}
