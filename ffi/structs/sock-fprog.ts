// struct sock_fprog (linux/filter.h): the SO_ATTACH_FILTER argument, a count and a pointer to the instructions.
// The kernel copies the program during setsockopt, so the instruction buffer only has to outlive that call.
import { putU16, putU64 } from "./bytes.ts";

export const C_TYPE = "struct sock_fprog";
export const SIZE = 16;
export const OFFSETS = { len: 0, filter: 8 } as const;

export function encode(out: Uint8Array, count: number, filterAddress: number, at = 0): void {
  out.fill(0, at, at + SIZE);
  putU16(out, at + OFFSETS.len, count);
  putU64(out, at + OFFSETS.filter, filterAddress);
}
