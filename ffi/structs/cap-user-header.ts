// struct __user_cap_header_struct (linux/capability.h): { __u32 version; int pid; }, host order.
import { putU32 } from "./bytes.ts";

export const C_TYPE = "struct __user_cap_header_struct";
export const SIZE = 8;
export const OFFSETS = { version: 0, pid: 4 } as const;

/** A header for `version` naming the calling thread (pid 0): the only target capset accepts. */
export function encodeForThisThread(out: Uint8Array, version: number): void {
  putU32(out, OFFSETS.version, version);
  putU32(out, OFFSETS.pid, 0);
}
