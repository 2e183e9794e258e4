// struct nlmsgerr (linux/netlink.h): the body of an NLMSG_ERROR message (an ack when error is 0). The header of
// the request follows `error`; its payload too unless the ack has NLM_F_CAPPED; extended-ack TLVs come after
// when NLM_F_ACK_TLVS is set.
import { getI32, putU32 } from "./bytes.ts";
import * as nlmsghdr from "./nlmsghdr.ts";

export const C_TYPE = "struct nlmsgerr";
export const SIZE = 20;
export const OFFSETS = { error: 0, msg: 4 } as const;

export function encode(out: Uint8Array, error: number, request: nlmsghdr.Fields, at = 0): void {
  putU32(out, at + OFFSETS.error, error >>> 0);
  nlmsghdr.encode(out, request, at + OFFSETS.msg);
}

export type Decoded = { ok: true; error: number; request: nlmsghdr.Fields; tlvAt: number } | { ok: false; reason: string };

/**
 * Decodes the nlmsgerr body starting at `at` (just after the outer nlmsghdr) of a message ending at `end`.
 * `capped` is the outer NLM_F_CAPPED flag; `tlvAt` is where extended-ack TLVs start (valid only with
 * NLM_F_ACK_TLVS) — `end` when there is no room for any.
 */
export function decode(b: Uint8Array, at: number, end: number, capped: boolean): Decoded {
  if (at + SIZE > end) return { ok: false, reason: `nlmsgerr truncated (${end - at} bytes)` };
  const error = getI32(b, at + OFFSETS.error);
  const inner = nlmsghdr.decode(b, at + OFFSETS.msg, at + OFFSETS.msg + nlmsghdr.SIZE);
  // The echoed header's nlmsg_len describes the *request*, so it is checked against `end` only when not capped.
  const requestLen = inner.ok ? inner.len : 0;
  const fields: nlmsghdr.Fields = inner.ok
    ? { len: inner.len, type: inner.type, flags: inner.flags, seq: inner.seq, pid: inner.pid }
    : { len: 0, type: 0, flags: 0, seq: 0, pid: 0 };
  const echoed = capped ? nlmsghdr.SIZE : nlmsghdr.NLMSG_ALIGN(Math.max(requestLen, nlmsghdr.SIZE));
  const tlvAt = Math.min(at + OFFSETS.msg + echoed, end);
  return { ok: true, error, request: fields, tlvAt };
}
