// Numbers benchmark adverts through bytes any VRRP advert has (VRID 1–250, priority 1–254), so the receiver can
// pair a packet with its send stamp without extra payload and without non-documentation addresses.

const VRIDS = 250;
export const MAX_SEQUENCE = VRIDS * 254;

/** VRID and priority carrying sequence number `seq`. */
export function encodeSequence(seq: number): { vrid: number; priority: number } {
  return { vrid: 1 + (seq % VRIDS), priority: 1 + Math.floor(seq / VRIDS) };
}

/** The sequence number of the VRRP message at packet[offset], or -1. */
export function decodeSequence(packet: Uint8Array, offset: number): number {
  const vrid = packet[offset + 1] ?? 0;
  const priority = packet[offset + 2] ?? 0;
  if (vrid < 1 || vrid > VRIDS || priority < 1 || priority > 254) return -1;
  return vrid - 1 + (priority - 1) * VRIDS;
}
