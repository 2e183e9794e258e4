// struct sockaddr_un (sys/un.h): a Unix socket address. sd_notify's NOTIFY_SOCKET is either a path or, with a
// leading '@', an abstract name: sun_path then starts with a NUL byte and the address length, not a terminator,
// says where the name ends (a trailing NUL would be part of the name).
import { AF_UNIX } from "../constants.ts";
import { putU16 } from "./bytes.ts";

export const C_TYPE = "struct sockaddr_un";
export const SIZE = 110;
export const OFFSETS = { sun_family: 0, sun_path: 2 } as const;
const PATH_MAX_BYTES = SIZE - OFFSETS.sun_path;

export type Encoded = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/** The address of `address` ("/path" or "@abstract"), exactly as long as bind/sendto must be told. */
export function encode(address: string): Encoded {
  const abstract = address.startsWith("@");
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  if (name.length === 0) return { ok: false, reason: "empty Unix socket address" };
  if (!abstract && name.includes(0)) return { ok: false, reason: "Unix socket path with a NUL byte" };
  // A path keeps its terminating NUL inside sun_path; an abstract name's leading NUL takes that byte instead.
  const pathBytes = name.length + 1;
  if (pathBytes > PATH_MAX_BYTES) return { ok: false, reason: `Unix socket address longer than ${PATH_MAX_BYTES - 1} bytes` };
  const bytes = new Uint8Array(OFFSETS.sun_path + pathBytes);
  putU16(bytes, OFFSETS.sun_family, AF_UNIX);
  bytes.set(name, OFFSETS.sun_path + (abstract ? 1 : 0));
  return { ok: true, bytes };
}
