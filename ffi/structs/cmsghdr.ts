// struct cmsghdr (sys/socket.h) and the CMSG_* arithmetic, for walking recvmsg ancillary data without allocating.
import { getI32, getU64, putU32, putU64 } from "./bytes.ts";

export const C_TYPE = "struct cmsghdr";
export const SIZE = 16;
export const OFFSETS = { cmsg_len: 0, cmsg_level: 8, cmsg_type: 12 } as const;

/** Control messages are aligned to sizeof(size_t). */
export const CMSG_ALIGNTO = 8;
export function CMSG_ALIGN(len: number): number {
  return (len + CMSG_ALIGNTO - 1) & ~(CMSG_ALIGNTO - 1);
}
/** Bytes from the header to the data (CMSG_DATA(c) - c). */
export const CMSG_DATA_OFFSET = CMSG_ALIGN(SIZE);
export function CMSG_LEN(dataLen: number): number {
  return CMSG_DATA_OFFSET + dataLen;
}
export function CMSG_SPACE(dataLen: number): number {
  return CMSG_DATA_OFFSET + CMSG_ALIGN(dataLen);
}

export function encodeHeader(out: Uint8Array, level: number, type: number, dataLen: number, at = 0): void {
  putU64(out, at + OFFSETS.cmsg_len, CMSG_LEN(dataLen));
  putU32(out, at + OFFSETS.cmsg_level, level);
  putU32(out, at + OFFSETS.cmsg_type, type);
}

/**
 * Finds the first control message with `level`/`type` in `control[0, controllen)` and returns the offset of its
 * data, or -1. Malformed lengths end the walk (the data came from the kernel but is still never trusted blindly).
 */
export function findData(control: Uint8Array, controllen: number, level: number, type: number, minDataLen = 0): number {
  const end = Math.min(controllen, control.length);
  let at = 0;
  while (at + SIZE <= end) {
    const len = getU64(control, at + OFFSETS.cmsg_len);
    if (len < SIZE || at + len > end) return -1;
    if (
      getI32(control, at + OFFSETS.cmsg_level) === level &&
      getI32(control, at + OFFSETS.cmsg_type) === type &&
      len - CMSG_DATA_OFFSET >= minDataLen
    ) {
      return at + CMSG_DATA_OFFSET;
    }
    at += CMSG_ALIGN(len);
  }
  return -1;
}
