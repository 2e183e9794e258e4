// struct ip_mreqn (netinet/in.h) for IP_ADD_MEMBERSHIP / IP_MULTICAST_IF: addresses in network order, the
// interface index in host order. Choosing the interface by index (not by address) works before any address exists.
import { getI32, putU32 } from "./bytes.ts";

export const C_TYPE = "struct ip_mreqn";
export const SIZE = 12;
export const OFFSETS = { imr_multiaddr: 0, imr_address: 4, imr_ifindex: 8 } as const;

const ANY = new Uint8Array(4);

export function encode(out: Uint8Array, group: Uint8Array, ifindex: number, local: Uint8Array = ANY, at = 0): void {
  if (group.length !== 4 || local.length !== 4) throw new RangeError("ip_mreqn addresses must be 4 bytes");
  out.set(group, at + OFFSETS.imr_multiaddr);
  out.set(local, at + OFFSETS.imr_address);
  putU32(out, at + OFFSETS.imr_ifindex, ifindex);
}

export function decode(b: Uint8Array, at = 0): { group: Uint8Array; local: Uint8Array; ifindex: number } {
  return {
    group: b.slice(at, at + 4),
    local: b.slice(at + 4, at + 8),
    ifindex: getI32(b, at + OFFSETS.imr_ifindex),
  };
}
