// struct sockaddr_nl (linux/netlink.h), host order throughout.
import { AF_NETLINK } from "../constants.ts";
import { getU16, getU32, putU16, putU32 } from "./bytes.ts";

export const C_TYPE = "struct sockaddr_nl";
export const SIZE = 12;
export const OFFSETS = { nl_family: 0, nl_pad: 2, nl_pid: 4, nl_groups: 8 } as const;

/** `pid` 0 = the kernel (as a destination) or "assign me a port id" (in bind). `groups` is the legacy bitmask. */
export function encode(out: Uint8Array, pid = 0, groups = 0, at = 0): void {
  out.fill(0, at, at + SIZE);
  putU16(out, at + OFFSETS.nl_family, AF_NETLINK);
  putU32(out, at + OFFSETS.nl_pid, pid);
  putU32(out, at + OFFSETS.nl_groups, groups);
}

export type Decoded = { ok: true; pid: number; groups: number } | { ok: false; reason: string };

export function decode(b: Uint8Array, len: number, at = 0): Decoded {
  if (len < SIZE || b.length < at + SIZE) return { ok: false, reason: `sockaddr_nl too short: ${len}` };
  const family = getU16(b, at + OFFSETS.nl_family);
  if (family !== AF_NETLINK) return { ok: false, reason: `sockaddr_nl family ${family}` };
  return { ok: true, pid: getU32(b, at + OFFSETS.nl_pid), groups: getU32(b, at + OFFSETS.nl_groups) };
}
