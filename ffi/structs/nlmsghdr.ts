// struct nlmsghdr (linux/netlink.h), host order. Netlink messages are aligned to 4 bytes.
import { getU16, getU32, putU16, putU32 } from "./bytes.ts";

export const C_TYPE = "struct nlmsghdr";
export const SIZE = 16;
export const OFFSETS = { nlmsg_len: 0, nlmsg_type: 4, nlmsg_flags: 6, nlmsg_seq: 8, nlmsg_pid: 12 } as const;

export const NLMSG_ALIGNTO = 4;
export function NLMSG_ALIGN(len: number): number {
  return (len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
}
export const NLMSG_HDRLEN = NLMSG_ALIGN(SIZE);

export interface Fields {
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export function encode(out: Uint8Array, f: Fields, at = 0): void {
  putU32(out, at + OFFSETS.nlmsg_len, f.len);
  putU16(out, at + OFFSETS.nlmsg_type, f.type);
  putU16(out, at + OFFSETS.nlmsg_flags, f.flags);
  putU32(out, at + OFFSETS.nlmsg_seq, f.seq);
  putU32(out, at + OFFSETS.nlmsg_pid, f.pid);
}

/** Sets nlmsg_len once the message body is complete. */
export function setLen(out: Uint8Array, len: number, at = 0): void {
  putU32(out, at + OFFSETS.nlmsg_len, len);
}

export type Decoded = ({ ok: true } & Fields) | { ok: false; reason: string };

/** Reads the header at `at` of a datagram ending at `end`; rejects lengths that would run past it. */
export function decode(b: Uint8Array, at: number, end: number): Decoded {
  if (at + SIZE > end) return { ok: false, reason: `nlmsghdr truncated at ${at} (${end - at} bytes left)` };
  const len = getU32(b, at + OFFSETS.nlmsg_len);
  if (len < SIZE || at + len > end) return { ok: false, reason: `nlmsg_len ${len} invalid at ${at} (end ${end})` };
  return {
    ok: true,
    len,
    type: getU16(b, at + OFFSETS.nlmsg_type),
    flags: getU16(b, at + OFFSETS.nlmsg_flags),
    seq: getU32(b, at + OFFSETS.nlmsg_seq),
    pid: getU32(b, at + OFFSETS.nlmsg_pid),
  };
}
