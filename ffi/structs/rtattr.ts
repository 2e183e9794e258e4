// struct rtattr (linux/rtnetlink.h): netlink TLV attributes, host order, payloads aligned to 4 bytes.
import { getU16, putU16, putU16BE, putU32 } from "./bytes.ts";

export const C_TYPE = "struct rtattr";
export const SIZE = 4;
export const OFFSETS = { rta_len: 0, rta_type: 2 } as const;

export const RTA_ALIGNTO = 4;
export function RTA_ALIGN(len: number): number {
  return (len + RTA_ALIGNTO - 1) & ~(RTA_ALIGNTO - 1);
}
export function RTA_LENGTH(payloadLen: number): number {
  return RTA_ALIGN(SIZE) + payloadLen;
}
export function RTA_SPACE(payloadLen: number): number {
  return RTA_ALIGN(RTA_LENGTH(payloadLen));
}
/** Flags in the high bits of rta_type (nla_type); the attribute type proper is the low 14 bits. */
export const NLA_F_NESTED = 1 << 15;
export const NLA_F_NET_BYTEORDER = 1 << 14;

/** One decoder for every attribute string: a dump of 100 addresses used to create 100 of them. */
const UTF8 = new TextDecoder();
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** Writes an attribute with `payload` at `at` (padding zeroed); returns the offset after it. */
export function putBytes(out: Uint8Array, at: number, type: number, payload: Uint8Array): number {
  const len = RTA_LENGTH(payload.length);
  const next = at + RTA_ALIGN(len);
  if (next > out.length) throw new RangeError(`rtattr ${type} does not fit (${next} > ${out.length})`);
  putU16(out, at + OFFSETS.rta_len, len);
  putU16(out, at + OFFSETS.rta_type, type);
  out.set(payload, at + SIZE);
  out.fill(0, at + len, next);
  return next;
}

export function putU32Attr(out: Uint8Array, at: number, type: number, value: number): number {
  const next = at + RTA_SPACE(4);
  if (next > out.length) throw new RangeError(`rtattr ${type} does not fit`);
  putU16(out, at + OFFSETS.rta_len, RTA_LENGTH(4));
  putU16(out, at + OFFSETS.rta_type, type);
  putU32(out, at + SIZE, value);
  return next;
}

export function putU16Attr(out: Uint8Array, at: number, type: number, value: number): number {
  const next = at + RTA_SPACE(2);
  if (next > out.length) throw new RangeError(`rtattr ${type} does not fit`);
  putU16(out, at + OFFSETS.rta_len, RTA_LENGTH(2));
  putU16(out, at + OFFSETS.rta_type, type);
  putU16(out, at + SIZE, value);
  putU16(out, at + SIZE + 2, 0);
  return next;
}

/** A 16-bit value in network order (ports: the kernel reads them with nla_get_be16). */
export function putU16BEAttr(out: Uint8Array, at: number, type: number, value: number): number {
  const next = putU16Attr(out, at, type, 0);
  putU16BE(out, at + SIZE, value);
  return next;
}

export function putU8Attr(out: Uint8Array, at: number, type: number, value: number): number {
  const next = at + RTA_SPACE(1);
  if (next > out.length) throw new RangeError(`rtattr ${type} does not fit`);
  putU16(out, at + OFFSETS.rta_len, RTA_LENGTH(1));
  putU16(out, at + OFFSETS.rta_type, type);
  out.fill(0, at + SIZE, next);
  out[at + SIZE] = value & 0xff;
  return next;
}

/** Opens a nested attribute (NLA_F_NESTED set) at `at`; write its members after the returned offset, then endNested. */
export function beginNested(out: Uint8Array, at: number, type: number): number {
  if (at + SIZE > out.length) throw new RangeError(`rtattr ${type} does not fit`);
  putU16(out, at + OFFSETS.rta_type, type | NLA_F_NESTED);
  return at + SIZE;
}

/** Closes the nested attribute opened at `start` whose members end at `end`; returns `end`. */
export function endNested(out: Uint8Array, start: number, end: number): number {
  putU16(out, start + OFFSETS.rta_len, end - start);
  return end;
}

/** A NUL-terminated string attribute (IFLA_IFNAME, IFA_LABEL). */
export function putString(out: Uint8Array, at: number, type: number, value: string): number {
  const bytes = new TextEncoder().encode(`${value}\0`);
  return putBytes(out, at, type, bytes);
}

/**
 * A reusable cursor over the attributes in b[start, end): `next()` moves to the next well-formed attribute and
 * returns false at the end or on a malformed length (then `malformed` is set). Allocation-free.
 */
export class Cursor {
  b: Uint8Array = new Uint8Array(0);
  private at = 0;
  private end = 0;
  type = 0;
  payloadAt = 0;
  payloadLen = 0;
  malformed = false;

  reset(b: Uint8Array, start: number, end: number): this {
    this.b = b;
    this.at = start;
    this.end = Math.min(end, b.length);
    this.malformed = false;
    return this;
  }

  next(): boolean {
    if (this.at + SIZE > this.end) return false;
    const len = getU16(this.b, this.at + OFFSETS.rta_len);
    if (len < SIZE || this.at + len > this.end) {
      this.malformed = true;
      return false;
    }
    this.type = getU16(this.b, this.at + OFFSETS.rta_type) & NLA_TYPE_MASK;
    this.payloadAt = this.at + SIZE;
    this.payloadLen = len - SIZE;
    this.at += RTA_ALIGN(len);
    return true;
  }

  /** The payload as a string, up to its first NUL. */
  string(): string {
    let stop = this.payloadAt;
    const limit = this.payloadAt + this.payloadLen;
    while (stop < limit && this.b[stop] !== 0) stop++;
    return UTF8.decode(this.b.subarray(this.payloadAt, stop));
  }
}
