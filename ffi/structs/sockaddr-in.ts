// struct sockaddr_in (netinet/in.h). Family in host order; port and address in network order.
import { AF_INET } from "../constants.ts";
import { getU16, getU16BE, putU16, putU16BE } from "./bytes.ts";

export const C_TYPE = "struct sockaddr_in";
export const SIZE = 16;
export const OFFSETS = { sin_family: 0, sin_port: 2, sin_addr: 4, sin_zero: 8 } as const;

/** Writes a complete sockaddr_in (zero padding included) at `at`. `addr` is 4 bytes in network order. */
export function encode(out: Uint8Array, addr: Uint8Array, port: number, at = 0): void {
  if (addr.length !== 4) throw new RangeError(`sockaddr_in address must be 4 bytes, got ${addr.length}`);
  out.fill(0, at, at + SIZE);
  putU16(out, at + OFFSETS.sin_family, AF_INET);
  putU16BE(out, at + OFFSETS.sin_port, port);
  out.set(addr, at + OFFSETS.sin_addr);
}

export type Decoded = { ok: true; port: number; addr: Uint8Array } | { ok: false; reason: string };

/** Reads a sockaddr_in the kernel returned (`len` = the socklen it reported). Copies the address. */
export function decode(b: Uint8Array, len: number, at = 0): Decoded {
  if (len < 8 || b.length < at + 8) return { ok: false, reason: `sockaddr_in too short: ${len}` };
  const family = getU16(b, at + OFFSETS.sin_family);
  if (family !== AF_INET) return { ok: false, reason: `sockaddr_in family ${family}` };
  return { ok: true, port: getU16BE(b, at + OFFSETS.sin_port), addr: b.slice(at + 4, at + 8) };
}
