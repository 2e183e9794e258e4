// struct pollfd (poll.h), host order.
import { getU16, putU16, putU32 } from "./bytes.ts";

export const C_TYPE = "struct pollfd";
export const SIZE = 8;
export const OFFSETS = { fd: 0, events: 4, revents: 6 } as const;

export function encode(out: Uint8Array, fd: number, events: number, at = 0): void {
  putU32(out, at + OFFSETS.fd, fd);
  putU16(out, at + OFFSETS.events, events);
  putU16(out, at + OFFSETS.revents, 0);
}

export function getRevents(b: Uint8Array, at = 0): number {
  return getU16(b, at + OFFSETS.revents);
}
