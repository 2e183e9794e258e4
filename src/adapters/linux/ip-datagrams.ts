// Splitting a stream chunk into the IP datagrams it holds (a chunk from Bun.file(fd).stream() may carry several)
// and filling the reused ReceivedPacket of each. Pure: no I/O, no allocation per datagram.
import { IPPROTO_VRRP } from "../../vrrp/constants.ts";
import type { RejectReason } from "../../vrrp/reject-reason.ts";
import type { ReceivedPacket } from "../vrrp-transport.ts";

const IPV4_MIN_HEADER_LENGTH = 20;
/** The fixed IPv6 header (RFC 8200 §3); extension headers may follow it. */
export const IPV6_HEADER_LENGTH = 40;

// IPv6 extension headers (RFC 8200 §4) that may stand between the fixed header and VRRP.
const IPPROTO_HOPOPTS = 0;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_DSTOPTS = 60;
export const IPV6_EXTENSION_HEADERS = [IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT] as const;
const FRAGMENT_HEADER_LENGTH = 8;

/** subarray() would allocate a view per packet; a plain loop does not. */
function copyBytes(to: Uint8Array, from: Uint8Array, at: number, n: number): void {
  for (let i = 0; i < n; i++) to[i] = from[at + i]!;
}

export interface SplitCounters {
  malformed: number;
  /** IPv6 adverts accepted behind extension headers. */
  extensionHeaders?: number;
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
 * each to 40 + payload length and passed only those carrying VRRP (possibly behind extension headers), so packets
 * sit back to back.
 *
 * Extension headers are treated as the kernel treats them before a raw IPPROTO_VRRP socket (keepalived's) sees the
 * packet: hop-by-hop options (first only), destination options, a routing header with no segments left and an
 * atomic fragment (offset 0, no more fragments: RFC 6946) are stepped over and the advert is accepted; a routing
 * header with segments left (the packet is not for us yet) or a malformed chain is dropped as
 * `ipv6-extension-header`, a real fragment as `ipv6-fragment` (the kernel would reassemble it for keepalived;
 * vipd does not, as neither daemon ever sends a fragmented advert). Drops go to `handle` with `drop` set, so the
 * core counts them by reason: with the VRRP header when there is one (a first fragment), without (length 0)
 * otherwise.
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
    const end = at + IPV6_HEADER_LENGTH + payload;
    if (end > chunk.length) {
      counters.malformed++;
      return;
    }
    if (walkExtensionHeaders(chunk, at, end, out)) {
      out.ttl = chunk[at + 7]!;
      copyBytes(out.src, chunk, at + 8, 16);
      copyBytes(out.dst, chunk, at + 24, 16);
      out.packet = chunk;
      if (out.drop === null && out.offset !== at + IPV6_HEADER_LENGTH) counters.extensionHeaders = (counters.extensionHeaders ?? 0) + 1;
      handle(out);
    } else {
      counters.malformed++;
    }
    at = end;
  }
}

/**
 * Follows the next-header chain of the packet at `at` (ending at `end`) to VRRP. Sets `out.offset`, `out.length`
 * and `out.drop`; returns false when the chain ends in another protocol (not VRRP at all).
 */
function walkExtensionHeaders(chunk: Uint8Array, at: number, end: number, out: ReceivedPacket): boolean {
  let next = chunk[at + 6]!;
  let offset = at + IPV6_HEADER_LENGTH;
  let drop: RejectReason | null = null;
  // Each header is at least 8 bytes long: the walk ends within the packet.
  for (let first = true; next !== IPPROTO_VRRP; first = false) {
    if (next !== IPPROTO_HOPOPTS && next !== IPPROTO_DSTOPTS && next !== IPPROTO_ROUTING && next !== IPPROTO_FRAGMENT) return false;
    // (A length byte past the packet counts as 8 bytes: the check below then drops the header as cut short.)
    const length = next === IPPROTO_FRAGMENT || offset + 1 >= end ? FRAGMENT_HEADER_LENGTH : (chunk[offset + 1]! + 1) * 8;
    // A header running past the packet, or hop-by-hop anywhere but first (RFC 8200 §4.3): the kernel drops these.
    if (offset + length > end || (next === IPPROTO_HOPOPTS && !first)) return dropWhole(out, "ipv6-extension-header", end);
    // Segments left: the packet is on its way to another node, not delivered here. Walked on for the VRID.
    if (next === IPPROTO_ROUTING && chunk[offset + 3] !== 0) drop = "ipv6-extension-header";
    if (next === IPPROTO_FRAGMENT) {
      const fragmentOffset = ((chunk[offset + 2]! << 8) | chunk[offset + 3]!) >> 3;
      // Only the first fragment starts with the VRRP header; the others cannot be told apart by VRID.
      if (fragmentOffset !== 0) return dropWhole(out, "ipv6-fragment", end);
      if ((chunk[offset + 3]! & 1) !== 0) drop = "ipv6-fragment";
    }
    next = chunk[offset]!;
    offset += length;
  }
  out.drop = drop;
  out.offset = offset;
  out.length = end - offset;
  return true;
}

/** A drop with no VRRP header to attribute it by. */
function dropWhole(out: ReceivedPacket, reason: RejectReason, end: number): true {
  out.drop = reason;
  out.offset = end;
  out.length = 0;
  return true;
}
