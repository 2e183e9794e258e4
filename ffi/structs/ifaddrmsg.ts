// struct ifaddrmsg (linux/if_addr.h): the fixed header of RTM_{NEW,DEL,GET}ADDR, host order.
import { getU32, putU32 } from "./bytes.ts";

export const C_TYPE = "struct ifaddrmsg";
export const SIZE = 8;
export const OFFSETS = { ifa_family: 0, ifa_prefixlen: 1, ifa_flags: 2, ifa_scope: 3, ifa_index: 4 } as const;

export interface Fields {
  family: number;
  prefixlen: number;
  flags: number;
  scope: number;
  index: number;
}

export function encode(out: Uint8Array, f: Fields, at = 0): void {
  out[at + OFFSETS.ifa_family] = f.family;
  out[at + OFFSETS.ifa_prefixlen] = f.prefixlen;
  out[at + OFFSETS.ifa_flags] = f.flags;
  out[at + OFFSETS.ifa_scope] = f.scope;
  putU32(out, at + OFFSETS.ifa_index, f.index);
}

export type Decoded = ({ ok: true } & Fields) | { ok: false; reason: string };

export function decode(b: Uint8Array, at: number, end: number): Decoded {
  if (at + SIZE > end) return { ok: false, reason: "ifaddrmsg truncated" };
  return {
    ok: true,
    family: b[at + OFFSETS.ifa_family] ?? 0,
    prefixlen: b[at + OFFSETS.ifa_prefixlen] ?? 0,
    flags: b[at + OFFSETS.ifa_flags] ?? 0,
    scope: b[at + OFFSETS.ifa_scope] ?? 0,
    index: getU32(b, at + OFFSETS.ifa_index),
  };
}
