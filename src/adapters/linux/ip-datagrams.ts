// Splitting a stream chunk into the IP datagrams it holds (a chunk from Bun.file(fd).stream() may carry several)
// and filling the reused ReceivedPacket of each. Pure: no I/O, no allocation per datagram.
import { IPPROTO_VRRP } from "../../vrrp/constants.ts";
import type { ReceivedPacket } from "../vrrp-transport.ts";

const IPV4_MIN_HEADER_LENGTH = 20;
/** The fixed IPv6 header (RFC 8200 §3); extension headers would follow it, VRRP packets carry none. */
export const IPV6_HEADER_LENGTH = 40;

/** subarray() would allocate a view per packet; a plain loop does not. */
function copyBytes(to: Uint8Array, from: Uint8Array, at: number, n: number): void {
  for (let i = 0; i < n; i++) to[i] = from[at + i]!;
}

export interface SplitCounters {
  malformed: number;
}

/**
 * Raw IPv4 sockets deliver whole datagrams, header included, with tot_len as received. Anything inconsistent ends
 * the walk of this chunk (its boundaries can no longer be trusted) and is counted, never thrown. `protocol` is the
 * socket's: VRRP, or IPsec AH (the payload then starts with the AH header).
 */
export function forEachIpv4Datagram(
  chunk: Uint8Array,
  out: ReceivedPacket,
  counters: SplitCounters,
  handle: (p: ReceivedPacket) => void,
  protocol: number = IPPROTO_VRRP,
): void {
  let at = 0;
  while (at < chunk.length) {
    if (chunk.length - at < IPV4_MIN_HEADER_LENGTH || chunk[at]! >> 4 !== 4) {
      counters.malformed++;
      return;
    }
    const ihl = (chunk[at]! & 0x0f) * 4;
    const total = (chunk[at + 2]! << 8) | chunk[at + 3]!;
    if (ihl < IPV4_MIN_HEADER_LENGTH || total < ihl || at + total > chunk.length) {
      counters.malformed++;
      return;
    }
    if (chunk[at + 9] === protocol) {
      out.ttl = chunk[at + 8]!;
      out.ipProtocol = protocol;
      out.ipOffset = at;
      copyBytes(out.src, chunk, at + 12, 4);
      copyBytes(out.dst, chunk, at + 16, 4);
      out.packet = chunk;
      out.offset = at + ihl;
      out.length = total - ihl;
      handle(out);
    } else {
      counters.malformed++;
    }
    at += total;
  }
}

/**
 * AF_PACKET/SOCK_DGRAM delivers IPv6 packets from the network header on; the socket's BPF filter already trimmed
 * each to 40 + payload length and passed only next-header 112, so packets sit back to back.
 */
export function forEachIpv6Packet(
  chunk: Uint8Array,
  out: ReceivedPacket,
  counters: SplitCounters,
  handle: (p: ReceivedPacket) => void,
): void {
  let at = 0;
  while (at < chunk.length) {
    if (chunk.length - at < IPV6_HEADER_LENGTH || chunk[at]! >> 4 !== 6) {
      counters.malformed++;
      return;
    }
    const payload = (chunk[at + 4]! << 8) | chunk[at + 5]!;
    if (at + IPV6_HEADER_LENGTH + payload > chunk.length) {
      counters.malformed++;
      return;
    }
    if (chunk[at + 6] === IPPROTO_VRRP) {
      out.ttl = chunk[at + 7]!;
      copyBytes(out.src, chunk, at + 8, 16);
      copyBytes(out.dst, chunk, at + 24, 16);
      out.packet = chunk;
      out.offset = at + IPV6_HEADER_LENGTH;
      out.length = payload;
      handle(out);
    } else {
      counters.malformed++;
    }
    at += IPV6_HEADER_LENGTH + payload;
  }
}
