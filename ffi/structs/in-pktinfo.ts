// struct in_pktinfo (netinet/in.h), the IP_PKTINFO control message: on sendmsg, ipi_spec_dst chooses the source
// address of one datagram. ifindex in host order, addresses in network order.
import { putU32 } from "./bytes.ts";

export const C_TYPE = "struct in_pktinfo";
export const SIZE = 12;
export const OFFSETS = { ipi_ifindex: 0, ipi_spec_dst: 4, ipi_addr: 8 } as const;

export function encode(out: Uint8Array, ifindex: number, specDst: Uint8Array, at = 0): void {
  if (specDst.length !== 4) throw new RangeError("in_pktinfo address must be 4 bytes");
  out.fill(0, at, at + SIZE);
  putU32(out, at + OFFSETS.ipi_ifindex, ifindex);
  out.set(specDst, at + OFFSETS.ipi_spec_dst);
}
