// The Ethernet frames that announce a VIP, byte for byte as keepalived 2.2.7 sends them (checked against its
// captures in test/netns): no Ethernet padding, IPv6 traffic class and flow label 0. Pure; no allocation.
import { ARPHRD_ETHER, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, IPPROTO_ICMPV6 } from "../../../ffi/constants.ts";
import { addWords, finishChecksum, pseudoHeaderSumV6 } from "../../vrrp/checksum.ts";
import { IPV6_HEADER_LENGTH } from "./ip-datagrams.ts";

export const ETH_HEADER_LENGTH = 14;
export const GARP_FRAME_LENGTH = ETH_HEADER_LENGTH + 28;
/** IPv6 header + NA (24) + target link-layer address option (8). */
export const NA_FRAME_LENGTH = ETH_HEADER_LENGTH + IPV6_HEADER_LENGTH + 32;

const ARPOP_REQUEST = 1;
const ND_NEIGHBOR_ADVERT = 136;
const ND_NA_FLAG_ROUTER = 0x80;
const ND_NA_FLAG_OVERRIDE = 0x20;
const ND_OPT_TARGET_LINKADDR = 2;
/** RFC 4861 §7.1.2: receivers drop NDP messages whose hop limit is not 255. */
const ND_HOP_LIMIT = 255;

export const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** ff02::1 (all nodes) and its multicast MAC 33:33:00:00:00:01. */
export const ALL_NODES = new Uint8Array([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
export const ALL_NODES_MAC = new Uint8Array([0x33, 0x33, 0, 0, 0, 1]);

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >> 8;
  b[at + 1] = v & 0xff;
}

function ethernet(out: Uint8Array, dst: Uint8Array, src: Uint8Array, type: number): void {
  out.set(dst, 0);
  out.set(src, 6);
  put16(out, 12, type);
}

/**
 * A gratuitous ARP as keepalived sends it: a broadcast ARP *request* with sender = target = VIP, sender MAC = the
 * interface's and target MAC ff:ff:ff:ff:ff:ff. Returns the frame length.
 */
export function encodeGratuitousArp(out: Uint8Array, mac: Uint8Array, vip: Uint8Array): number {
  if (mac.length !== 6 || vip.length !== 4) throw new RangeError("GARP needs a 6-byte MAC and an IPv4 address");
  ethernet(out, BROADCAST_MAC, mac, ETH_P_ARP);
  const a = ETH_HEADER_LENGTH;
  put16(out, a, ARPHRD_ETHER);
  put16(out, a + 2, ETH_P_IP);
  out[a + 4] = 6;
  out[a + 5] = 4;
  put16(out, a + 6, ARPOP_REQUEST);
  out.set(mac, a + 8);
  out.set(vip, a + 14);
  out.set(BROADCAST_MAC, a + 18);
  out.set(vip, a + 24);
  return GARP_FRAME_LENGTH;
}

/**
 * An unsolicited neighbour advertisement (RFC 4861 §7.2.6) from the VIP to ff02::1: override flag set, router flag
 * when the interface forwards (as keepalived does), target link-layer address option. Returns the frame length.
 */
export function encodeUnsolicitedNa(out: Uint8Array, mac: Uint8Array, vip: Uint8Array, router: boolean): number {
  if (mac.length !== 6 || vip.length !== 16) throw new RangeError("NA needs a 6-byte MAC and an IPv6 address");
  ethernet(out, ALL_NODES_MAC, mac, ETH_P_IPV6);
  const ip = ETH_HEADER_LENGTH;
  out.fill(0, ip, NA_FRAME_LENGTH);
  out[ip] = 0x60; // version 6, traffic class 0, flow label 0
  put16(out, ip + 4, 32);
  out[ip + 6] = IPPROTO_ICMPV6;
  out[ip + 7] = ND_HOP_LIMIT;
  out.set(vip, ip + 8);
  out.set(ALL_NODES, ip + 24);
  const icmp = ip + IPV6_HEADER_LENGTH;
  out[icmp] = ND_NEIGHBOR_ADVERT;
  out[icmp + 4] = ND_NA_FLAG_OVERRIDE | (router ? ND_NA_FLAG_ROUTER : 0);
  out.set(vip, icmp + 8);
  out[icmp + 24] = ND_OPT_TARGET_LINKADDR;
  out[icmp + 25] = 1; // length in units of 8 bytes
  out.set(mac, icmp + 26);
  const sum = addWords(out, icmp, 32, pseudoHeaderSumV6(vip, ALL_NODES, IPPROTO_ICMPV6, 32));
  put16(out, icmp + 2, finishChecksum(sum));
  return NA_FRAME_LENGTH;
}
