// struct sock_filter (linux/filter.h): one classic BPF instruction, host order.
import { putU16, putU32 } from "./bytes.ts";

export const C_TYPE = "struct sock_filter";
export const SIZE = 8;
export const OFFSETS = { code: 0, jt: 2, jf: 3, k: 4 } as const;

export interface Instruction {
  code: number;
  jt: number;
  jf: number;
  /** Written as 32 bits; negative values (SKF_AD_OFF + ...) wrap as in C. */
  k: number;
}

export function encode(out: Uint8Array, insn: Instruction, at = 0): void {
  putU16(out, at + OFFSETS.code, insn.code);
  out[at + OFFSETS.jt] = insn.jt;
  out[at + OFFSETS.jf] = insn.jf;
  putU32(out, at + OFFSETS.k, insn.k >>> 0);
}
