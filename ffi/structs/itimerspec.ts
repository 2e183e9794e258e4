// struct itimerspec (time.h): two struct timespec { time_t tv_sec; long tv_nsec; }, host order, LP64.
import { putU64 } from "./bytes.ts";

export const C_TYPE = "struct itimerspec";
export const SIZE = 32;
export const OFFSETS = { "it_interval.tv_sec": 0, "it_interval.tv_nsec": 8, "it_value.tv_sec": 16, "it_value.tv_nsec": 24 } as const;

/** A one-shot expiry `valueNs` from now (no interval); 0 disarms. Numbers only: no BigInt on the hot path. */
export function encodeOneShot(out: Uint8Array, valueNs: number, at = 0): void {
  const seconds = Math.floor(valueNs / 1e9);
  putU64(out, at + OFFSETS["it_interval.tv_sec"], 0);
  putU64(out, at + OFFSETS["it_interval.tv_nsec"], 0);
  putU64(out, at + OFFSETS["it_value.tv_sec"], seconds);
  putU64(out, at + OFFSETS["it_value.tv_nsec"], valueNs - seconds * 1e9);
}
