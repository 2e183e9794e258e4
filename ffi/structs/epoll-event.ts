// struct epoll_event (sys/epoll.h), host order. x86_64 declares it packed (12 bytes, data at 4); other 64-bit
// architectures align data to 8 (16 bytes).
import { getU32, getU64, putU32, putU64 } from "./bytes.ts";

const PACKED = process.arch === "x64";

export const C_TYPE = "struct epoll_event";
export const SIZE = PACKED ? 12 : 16;
export const OFFSETS = { events: 0, data: PACKED ? 4 : 8 } as const;

/** `data` carries a descriptor number here (epoll hands it back with each event). */
export function encode(out: Uint8Array, events: number, data: number, at = 0): void {
  putU32(out, at + OFFSETS.events, events);
  putU64(out, at + OFFSETS.data, data);
}

export function getEvents(b: Uint8Array, at = 0): number {
  return getU32(b, at + OFFSETS.events);
}

export function getData(b: Uint8Array, at = 0): number {
  return getU64(b, at + OFFSETS.data);
}
