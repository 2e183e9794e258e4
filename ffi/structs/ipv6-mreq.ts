// struct ipv6_mreq (netinet/in.h) for IPV6_JOIN_GROUP: group in network order, interface index in host order.
import { getU32, putU32 } from "./bytes.ts";

export const C_TYPE = "struct ipv6_mreq";
export const SIZE = 20;
export const OFFSETS = { ipv6mr_multiaddr: 0, ipv6mr_interface: 16 } as const;

export function encode(out: Uint8Array, group: Uint8Array, ifindex: number, at = 0): void {
  if (group.length !== 16) throw new RangeError("ipv6_mreq group must be 16 bytes");
  out.set(group, at + OFFSETS.ipv6mr_multiaddr);
  putU32(out, at + OFFSETS.ipv6mr_interface, ifindex);
}

export function decode(b: Uint8Array, at = 0): { group: Uint8Array; ifindex: number } {
  return { group: b.slice(at, at + 16), ifindex: getU32(b, at + OFFSETS.ipv6mr_interface) };
}
