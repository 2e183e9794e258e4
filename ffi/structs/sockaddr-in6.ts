// struct sockaddr_in6 (netinet/in.h). Family and scope id in host order; port, flowinfo and address in network order.
import { AF_INET6 } from "../constants.ts";
import { getU16, getU16BE, getU32, putU16, putU16BE, putU32 } from "./bytes.ts";

export const C_TYPE = "struct sockaddr_in6";
export const SIZE = 28;
export const OFFSETS = { sin6_family: 0, sin6_port: 2, sin6_flowinfo: 4, sin6_addr: 8, sin6_scope_id: 24 } as const;

/** Writes a complete sockaddr_in6 at `at`. `addr` is 16 bytes in network order; `scopeId` is an ifindex. */
export function encode(out: Uint8Array, addr: Uint8Array, port: number, scopeId = 0, at = 0): void {
  if (addr.length !== 16) throw new RangeError(`sockaddr_in6 address must be 16 bytes, got ${addr.length}`);
  out.fill(0, at, at + SIZE);
  putU16(out, at + OFFSETS.sin6_family, AF_INET6);
  putU16BE(out, at + OFFSETS.sin6_port, port);
  out.set(addr, at + OFFSETS.sin6_addr);
  putU32(out, at + OFFSETS.sin6_scope_id, scopeId);
}

export type Decoded = { ok: true; port: number; addr: Uint8Array; scopeId: number } | { ok: false; reason: string };

export function decode(b: Uint8Array, len: number, at = 0): Decoded {
  if (len < SIZE || b.length < at + SIZE) return { ok: false, reason: `sockaddr_in6 too short: ${len}` };
  const family = getU16(b, at + OFFSETS.sin6_family);
  if (family !== AF_INET6) return { ok: false, reason: `sockaddr_in6 family ${family}` };
  return {
    ok: true,
    port: getU16BE(b, at + OFFSETS.sin6_port),
    addr: b.slice(at + OFFSETS.sin6_addr, at + OFFSETS.sin6_addr + 16),
    scopeId: getU32(b, at + OFFSETS.sin6_scope_id),
  };
}
