// struct fib_rule_hdr (linux/fib_rules.h): the fixed header of RTM_{NEW,DEL,GET}RULE, host order.
import { putU32 } from "./bytes.ts";

export const C_TYPE = "struct fib_rule_hdr";
export const SIZE = 12;
export const OFFSETS = { family: 0, dst_len: 1, src_len: 2, tos: 3, table: 4, res1: 5, res2: 6, action: 7, flags: 8 } as const;

export interface Fields {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  /** 8-bit table; ids above 255 go in FRA_TABLE with this set to RT_TABLE_UNSPEC. */
  table: number;
  action: number;
  flags: number;
}

export function encode(out: Uint8Array, f: Fields, at = 0): void {
  out[at + OFFSETS.family] = f.family;
  out[at + OFFSETS.dst_len] = f.dstLen;
  out[at + OFFSETS.src_len] = f.srcLen;
  out[at + OFFSETS.tos] = f.tos;
  out[at + OFFSETS.table] = f.table;
  out[at + OFFSETS.res1] = 0;
  out[at + OFFSETS.res2] = 0;
  out[at + OFFSETS.action] = f.action;
  putU32(out, at + OFFSETS.flags, f.flags);
}
