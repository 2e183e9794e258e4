// struct timespec (time.h): { time_t tv_sec; long tv_nsec; }, host order, LP64.
import { getU64 } from "./bytes.ts";

export const C_TYPE = "struct timespec";
export const SIZE = 16;
export const OFFSETS = { tv_sec: 0, tv_nsec: 8 } as const;

/** Whole microseconds (sd_notify's MONOTONIC_USEC unit); exact as a number for ≈ 285 years of uptime. */
export function toMicroseconds(b: Uint8Array, at = 0): number {
  return getU64(b, at + OFFSETS.tv_sec) * 1_000_000 + Math.floor(getU64(b, at + OFFSETS.tv_nsec) / 1000);
}
