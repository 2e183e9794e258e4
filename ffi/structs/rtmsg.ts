// struct rtmsg (linux/rtnetlink.h): the fixed header of RTM_{NEW,DEL,GET}ROUTE, host order.
import { getU32, putU32 } from "./bytes.ts";

export const C_TYPE = "struct rtmsg";
export const SIZE = 12;
export const OFFSETS = {
  rtm_family: 0,
  rtm_dst_len: 1,
  rtm_src_len: 2,
  rtm_tos: 3,
  rtm_table: 4,
  rtm_protocol: 5,
  rtm_scope: 6,
  rtm_type: 7,
  rtm_flags: 8,
} as const;

export interface Fields {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

export function encode(out: Uint8Array, f: Fields, at = 0): void {
  out[at + OFFSETS.rtm_family] = f.family;
  out[at + OFFSETS.rtm_dst_len] = f.dstLen;
  out[at + OFFSETS.rtm_src_len] = f.srcLen;
  out[at + OFFSETS.rtm_tos] = f.tos;
  out[at + OFFSETS.rtm_table] = f.table;
  out[at + OFFSETS.rtm_protocol] = f.protocol;
  out[at + OFFSETS.rtm_scope] = f.scope;
  out[at + OFFSETS.rtm_type] = f.type;
  putU32(out, at + OFFSETS.rtm_flags, f.flags);
}

export type Decoded = ({ ok: true } & Fields) | { ok: false; reason: string };

export function decode(b: Uint8Array, at: number, end: number): Decoded {
  if (at + SIZE > end) return { ok: false, reason: "rtmsg truncated" };
  return {
    ok: true,
    family: b[at + OFFSETS.rtm_family] ?? 0,
    dstLen: b[at + OFFSETS.rtm_dst_len] ?? 0,
    srcLen: b[at + OFFSETS.rtm_src_len] ?? 0,
    tos: b[at + OFFSETS.rtm_tos] ?? 0,
    table: b[at + OFFSETS.rtm_table] ?? 0,
    protocol: b[at + OFFSETS.rtm_protocol] ?? 0,
    scope: b[at + OFFSETS.rtm_scope] ?? 0,
    type: b[at + OFFSETS.rtm_type] ?? 0,
    flags: getU32(b, at + OFFSETS.rtm_flags),
  };
}
