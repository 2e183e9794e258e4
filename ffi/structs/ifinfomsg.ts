// struct ifinfomsg (linux/rtnetlink.h): the fixed header of RTM_{NEW,DEL,GET,SET}LINK, host order.
import { getI32, getU16, getU32, putU16, putU32 } from "./bytes.ts";

export const C_TYPE = "struct ifinfomsg";
export const SIZE = 16;
export const OFFSETS = { ifi_family: 0, __ifi_pad: 1, ifi_type: 2, ifi_index: 4, ifi_flags: 8, ifi_change: 12 } as const;

export interface Fields {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}

export function encode(out: Uint8Array, f: Fields, at = 0): void {
  out[at + OFFSETS.ifi_family] = f.family;
  out[at + OFFSETS.__ifi_pad] = 0;
  putU16(out, at + OFFSETS.ifi_type, f.type);
  putU32(out, at + OFFSETS.ifi_index, f.index);
  putU32(out, at + OFFSETS.ifi_flags, f.flags);
  putU32(out, at + OFFSETS.ifi_change, f.change);
}

export type Decoded = ({ ok: true } & Fields) | { ok: false; reason: string };

export function decode(b: Uint8Array, at: number, end: number): Decoded {
  if (at + SIZE > end) return { ok: false, reason: "ifinfomsg truncated" };
  return {
    ok: true,
    family: b[at + OFFSETS.ifi_family] ?? 0,
    type: getU16(b, at + OFFSETS.ifi_type),
    index: getI32(b, at + OFFSETS.ifi_index),
    flags: getU32(b, at + OFFSETS.ifi_flags),
    change: getU32(b, at + OFFSETS.ifi_change),
  };
}
