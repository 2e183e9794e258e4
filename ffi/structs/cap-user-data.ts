// struct __user_cap_data_struct (linux/capability.h): { __u32 effective, permitted, inheritable; }, host order.
// Version 3 passes two of them: capabilities 0–31 in the first, 32–63 in the second.
import { getU32, putU32 } from "./bytes.ts";

export const C_TYPE = "struct __user_cap_data_struct";
export const SIZE = 12;
export const OFFSETS = { effective: 0, permitted: 4, inheritable: 8 } as const;

export type CapabilitySet = keyof typeof OFFSETS;

/** One set as a 64-bit mask (bit N = capability N) from `count` consecutive structs. */
export function readMask(b: Uint8Array, set: CapabilitySet, count: number): bigint {
  let mask = 0n;
  for (let i = 0; i < count; i++) mask |= BigInt(getU32(b, i * SIZE + OFFSETS[set])) << BigInt(32 * i);
  return mask;
}

export function writeMask(b: Uint8Array, set: CapabilitySet, count: number, mask: bigint): void {
  for (let i = 0; i < count; i++) putU32(b, i * SIZE + OFFSETS[set], Number((mask >> BigInt(32 * i)) & 0xffffffffn));
}
