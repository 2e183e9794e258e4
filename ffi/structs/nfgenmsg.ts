// struct nfgenmsg (linux/netfilter/nfnetlink.h): the header after every nfnetlink message's nlmsghdr.
import { putU16BE } from "./bytes.ts";

export const C_TYPE = "struct nfgenmsg";
export const SIZE = 4;
export const OFFSETS = { nfgen_family: 0, version: 1, res_id: 2 } as const;

/** `resId` is big-endian on the wire: the subsystem for batch messages, 0 otherwise. */
export function encode(out: Uint8Array, at: number, family: number, version: number, resId: number): number {
  out[at + OFFSETS.nfgen_family] = family;
  out[at + OFFSETS.version] = version;
  putU16BE(out, at + OFFSETS.res_id, resId);
  return at + SIZE;
}
