// struct genlmsghdr (linux/genetlink.h): the generic netlink header after the nlmsghdr, then attributes.

export const C_TYPE = "struct genlmsghdr";
export const SIZE = 4;
export const OFFSETS = { cmd: 0, version: 1, reserved: 2 } as const;

export function encode(out: Uint8Array, cmd: number, version: number, at = 0): void {
  out[at + OFFSETS.cmd] = cmd;
  out[at + OFFSETS.version] = version;
  out[at + OFFSETS.reserved] = 0;
  out[at + OFFSETS.reserved + 1] = 0;
}

export type Decoded = { ok: true; cmd: number; version: number } | { ok: false; reason: string };

export function decode(b: Uint8Array, at: number, end: number): Decoded {
  if (at + SIZE > end) return { ok: false, reason: `genlmsghdr truncated (${end - at} bytes)` };
  return { ok: true, cmd: b[at + OFFSETS.cmd] ?? 0, version: b[at + OFFSETS.version] ?? 0 };
}
