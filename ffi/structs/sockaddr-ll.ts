// struct sockaddr_ll (netpacket/packet.h): AF_PACKET addresses. sll_protocol is in network order (an ETH_P_*
// value), everything else in host order.
import { AF_PACKET } from "../constants.ts";
import { getI32, getU16, getU16BE, putU16, putU16BE, putU32 } from "./bytes.ts";

export const C_TYPE = "struct sockaddr_ll";
export const SIZE = 20;
export const OFFSETS = {
  sll_family: 0,
  sll_protocol: 2,
  sll_ifindex: 4,
  sll_hatype: 8,
  sll_pkttype: 10,
  sll_halen: 11,
  sll_addr: 12,
} as const;
/** sll_addr holds up to 8 bytes. */
export const ADDR_CAPACITY = 8;

export interface Fields {
  /** ETH_P_* in host order; written in network order. */
  protocol: number;
  ifindex: number;
  hatype?: number;
  pkttype?: number;
  /** Hardware address (≤ 8 bytes), e.g. the destination MAC for sendto on a SOCK_DGRAM packet socket. */
  addr?: Uint8Array;
}

export function encode(out: Uint8Array, f: Fields, at = 0): void {
  const addr = f.addr ?? new Uint8Array(0);
  if (addr.length > ADDR_CAPACITY) throw new RangeError(`sll_addr holds ${ADDR_CAPACITY} bytes, got ${addr.length}`);
  out.fill(0, at, at + SIZE);
  putU16(out, at + OFFSETS.sll_family, AF_PACKET);
  putU16BE(out, at + OFFSETS.sll_protocol, f.protocol);
  putU32(out, at + OFFSETS.sll_ifindex, f.ifindex);
  putU16(out, at + OFFSETS.sll_hatype, f.hatype ?? 0);
  out[at + OFFSETS.sll_pkttype] = f.pkttype ?? 0;
  out[at + OFFSETS.sll_halen] = addr.length;
  out.set(addr, at + OFFSETS.sll_addr);
}

export type Decoded = ({ ok: true } & Required<Fields>) | { ok: false; reason: string };

export function decode(b: Uint8Array, len: number, at = 0): Decoded {
  if (len < 12 || b.length < at + SIZE) return { ok: false, reason: `sockaddr_ll too short: ${len}` };
  const family = getU16(b, at + OFFSETS.sll_family);
  if (family !== AF_PACKET) return { ok: false, reason: `sockaddr_ll family ${family}` };
  const halen = Math.min(b[at + OFFSETS.sll_halen] ?? 0, ADDR_CAPACITY);
  return {
    ok: true,
    protocol: getU16BE(b, at + OFFSETS.sll_protocol),
    ifindex: getI32(b, at + OFFSETS.sll_ifindex),
    hatype: getU16(b, at + OFFSETS.sll_hatype),
    pkttype: b[at + OFFSETS.sll_pkttype] ?? 0,
    addr: b.slice(at + OFFSETS.sll_addr, at + OFFSETS.sll_addr + halen),
  };
}
