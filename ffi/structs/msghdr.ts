// struct msghdr (sys/socket.h) for sendmsg/recvmsg. Pointer fields hold raw addresses: whoever encodes one must
// keep the pointed-to buffers referenced (see MsgBuffers in ffi/socket.ts).
import { getU32, getU64, putU32, putU64 } from "./bytes.ts";

export const C_TYPE = "struct msghdr";
export const SIZE = 56;
export const OFFSETS = {
  msg_name: 0,
  msg_namelen: 8,
  msg_iov: 16,
  msg_iovlen: 24,
  msg_control: 32,
  msg_controllen: 40,
  msg_flags: 48,
} as const;

export interface Fields {
  name: number;
  namelen: number;
  iov: number;
  iovlen: number;
  control: number;
  controllen: number;
  flags: number;
}

export function encode(out: Uint8Array, f: Fields, at = 0): void {
  out.fill(0, at, at + SIZE);
  putU64(out, at + OFFSETS.msg_name, f.name);
  putU32(out, at + OFFSETS.msg_namelen, f.namelen);
  putU64(out, at + OFFSETS.msg_iov, f.iov);
  putU64(out, at + OFFSETS.msg_iovlen, f.iovlen);
  putU64(out, at + OFFSETS.msg_control, f.control);
  putU64(out, at + OFFSETS.msg_controllen, f.controllen);
  putU32(out, at + OFFSETS.msg_flags, f.flags);
}

export function decode(b: Uint8Array, at = 0): Fields {
  return {
    name: getU64(b, at + OFFSETS.msg_name),
    namelen: getU32(b, at + OFFSETS.msg_namelen),
    iov: getU64(b, at + OFFSETS.msg_iov),
    iovlen: getU64(b, at + OFFSETS.msg_iovlen),
    control: getU64(b, at + OFFSETS.msg_control),
    controllen: getU64(b, at + OFFSETS.msg_controllen),
    flags: getU32(b, at + OFFSETS.msg_flags),
  };
}
