// struct ip_vs_flags (linux/ip_vs.h): IPVS_SVC_ATTR_FLAGS, the service flags and which of them the request sets.
import { getU32, putU32 } from "./bytes.ts";

export const C_TYPE = "struct ip_vs_flags";
export const SIZE = 8;
export const OFFSETS = { flags: 0, mask: 4 } as const;

export function encode(out: Uint8Array, at: number, flags: number, mask: number): void {
  putU32(out, at + OFFSETS.flags, flags);
  putU32(out, at + OFFSETS.mask, mask);
}

export function decodeFlags(b: Uint8Array, at: number): number {
  return getU32(b, at + OFFSETS.flags);
}
