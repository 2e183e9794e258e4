// struct ucred (sys/socket.h, _GNU_SOURCE): SO_PEERCRED's answer, the process that connected a Unix socket and its
// user and group at connect() time.
import { getU32 } from "./bytes.ts";

export const C_TYPE = "struct ucred";
export const SIZE = 12;
export const OFFSETS = { pid: 0, uid: 4, gid: 8 } as const;

export interface Ucred {
  pid: number;
  uid: number;
  gid: number;
}

export function decode(bytes: Uint8Array, at = 0): Ucred {
  return { pid: getU32(bytes, at + OFFSETS.pid) | 0, uid: getU32(bytes, at + OFFSETS.uid), gid: getU32(bytes, at + OFFSETS.gid) };
}
