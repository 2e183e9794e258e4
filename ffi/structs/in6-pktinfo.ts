// struct in6_pktinfo (netinet/in.h), the IPV6_PKTINFO control message: on sendmsg it chooses the source address
// and outgoing interface of one datagram. Address in network order, ifindex in host order.
import { putU32 } from "./bytes.ts";

export const C_TYPE = "struct in6_pktinfo";
export const SIZE = 20;
export const OFFSETS = { ipi6_addr: 0, ipi6_ifindex: 16 } as const;

export function encode(out: Uint8Array, addr: Uint8Array, ifindex: number, at = 0): void {
  if (addr.length !== 16) throw new RangeError("in6_pktinfo address must be 16 bytes");
  out.set(addr, at + OFFSETS.ipi6_addr);
  putU32(out, at + OFFSETS.ipi6_ifindex, ifindex);
}
