// struct iovec (sys/uio.h). iov_base is a raw address: the buffer behind it must stay referenced by the caller
// for as long as the iovec may be used (see MsgBuffers in ffi/socket.ts).
import { getU64, putU64 } from "./bytes.ts";

export const C_TYPE = "struct iovec";
export const SIZE = 16;
export const OFFSETS = { iov_base: 0, iov_len: 8 } as const;

export function encode(out: Uint8Array, base: number, len: number, at = 0): void {
  putU64(out, at + OFFSETS.iov_base, base);
  putU64(out, at + OFFSETS.iov_len, len);
}

export function decode(b: Uint8Array, at = 0): { base: number; len: number } {
  return { base: getU64(b, at + OFFSETS.iov_base), len: getU64(b, at + OFFSETS.iov_len) };
}
