// VRRPv2 inside IPsec AH, as keepalived 2.2.7 sends and checks it (vrrp.c, vrrp_ipsecah.c): the whole IPv4
// datagram is built here, because the integrity check value covers the IP header too.
//
//   IPv4 header (20 bytes, protocol 51) | AH: next header 112, payload length 4, reserved, SPI = the sender's IPv4
//   address, sequence number, ICV (12 bytes) | the VRRPv2 advert (auth type 2, 8 zero bytes of auth data)
//
// ICV = the first 12 bytes of HMAC-MD5 keyed with the 8-byte zero-padded password, over the IP header with TOS,
// fragment field and checksum zeroed (and TTL, for unicast instances), the AH header with its ICV zeroed, and the
// advert. One sequence counter per instance serves both ways, as in keepalived: an accepted advert raises it to the
// sender's number and our next advert goes one above, so whoever becomes MASTER continues above the last master.

import { type AdvertFields, encodeAdvert, type ReceivedAdvert } from "./advert.ts";
import { addWords, finishChecksum } from "./checksum.ts";
import { IPPROTO_AH, IPPROTO_VRRP, VRRP_HEADER_LENGTH, VRRP_TTL } from "./constants.ts";
import { HmacMd5, MD5_DIGEST_BYTES } from "./hmac-md5.ts";
import type { RejectReason } from "./reject-reason.ts";

export const AH_HEADER_LENGTH = 24;
/** The AH length in 32-bit words minus 2 (RFC 4302 §2.2): (12 + 12) / 4 - 2. */
export const AH_PAYLOAD_LEN = 4;
/** HMAC-MD5-96 (RFC 2403): the digest truncated to 96 bits. */
export const AH_ICV_LENGTH = 12;
const AH_ICV_OFFSET = 12;
const IPV4_HEADER_LENGTH = 20;
const IPV4_MAX_HEADER_LENGTH = 60;
/** DSCP CS6, as keepalived sends every advert. */
const TOS_NETWORK_CONTROL = 0xc0;
/** keepalived stops counting here ("cycled"): the counter restarts from 0 the next time it becomes MASTER. */
const SEQ_CYCLE_LIMIT = 0xfffffffd;

/** Where the advert starts after the AH header at `offset`, or -1 when the header is not one keepalived sends. */
export function ahPayloadOffset(packet: Uint8Array, offset: number, length: number): number {
  if (length < AH_HEADER_LENGTH + VRRP_HEADER_LENGTH || offset + length > packet.length) return -1;
  if (packet[offset] !== IPPROTO_VRRP || packet[offset + 1] !== AH_PAYLOAD_LEN) return -1;
  return offset + AH_HEADER_LENGTH;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** The sequence number of an advert that came inside AH. */
export function ahSequenceNumber(advert: ReceivedAdvert): number {
  return readU32(advert.packet, advert.ahOffset + 8);
}

function writeU32(b: Uint8Array, at: number, value: number): void {
  b[at] = value >>> 24;
  b[at + 1] = (value >>> 16) & 0xff;
  b[at + 2] = (value >>> 8) & 0xff;
  b[at + 3] = value & 0xff;
}

/** One instance's AH state: its key, the sequence counter it sends and checks with, the IP id of its adverts. */
export class IpsecAh {
  /** The last sequence number sent or accepted. */
  seq = 0;
  /** Set when the counter reached its end: cleared by an accepted advert, reset to 0 on becoming MASTER. */
  cycled = false;
  private ipId = 0;
  private hmac: HmacMd5;
  private readonly digest = new Uint8Array(MD5_DIGEST_BYTES);
  private readonly headerCopy = new Uint8Array(IPV4_MAX_HEADER_LENGTH + AH_HEADER_LENGTH);
  /** The view of the send buffer the advert is encoded into, kept: a view per send would allocate. */
  private advertView: Uint8Array | null = null;

  /** `key`: the 8 bytes of authentication data (the password, zero-padded), all of them keyed as keepalived does. */
  constructor(key: Uint8Array) {
    this.hmac = new HmacMd5(key);
  }

  /** A reload may change the password; the counter carries over (keepalived copies it to the new instance). */
  setKey(key: Uint8Array): void {
    this.hmac = new HmacMd5(key);
  }

  /**
   * Encodes the whole datagram into `out` and returns its length. `newRound` steps the sequence number and IP id:
   * once per advert, not per unicast peer (every peer's copy carries the same numbers, as keepalived's).
   */
  encode(out: Uint8Array, fields: AdvertFields, src: Uint8Array, dst: Uint8Array, unicast: boolean, newRound: boolean): number {
    if (newRound) {
      if (this.seq > SEQ_CYCLE_LIMIT) this.cycled = true;
      else this.seq++;
      // keepalived's id is an int put in 16 bits: it wraps to 0 and the kernel then picks one, which breaks the
      // ICV of that one advert. Skipping 0 keeps every advert valid.
      this.ipId = this.ipId === 0xffff ? 1 : this.ipId + 1;
    }
    const vrrpAt = IPV4_HEADER_LENGTH + AH_HEADER_LENGTH;
    if (this.advertView?.buffer !== out.buffer || this.advertView.byteOffset !== out.byteOffset + vrrpAt) {
      this.advertView = out.subarray(vrrpAt);
    }
    const vrrpLength = encodeAdvert(this.advertView, fields, 4, src, dst);
    const total = vrrpAt + vrrpLength;
    out[0] = 0x45;
    out[1] = 0; // TOS, fragment field, TTL (unicast) and checksum are hashed as zeros, then filled in
    out[2] = total >> 8;
    out[3] = total & 0xff;
    out[4] = this.ipId >> 8;
    out[5] = this.ipId & 0xff;
    out[6] = 0;
    out[7] = 0;
    out[8] = unicast ? 0 : VRRP_TTL;
    out[9] = IPPROTO_AH;
    out[10] = 0;
    out[11] = 0;
    out.set(src, 12);
    out.set(dst, 16);
    const ah = IPV4_HEADER_LENGTH;
    out[ah] = IPPROTO_VRRP;
    out[ah + 1] = AH_PAYLOAD_LEN;
    out[ah + 2] = 0;
    out[ah + 3] = 0;
    out.set(src, ah + 4); // the SPI: keepalived's choice, unique per sender in a multicast group
    writeU32(out, ah + 8, this.seq);
    out.fill(0, ah + AH_ICV_OFFSET, ah + AH_HEADER_LENGTH);
    this.hmac.begin();
    this.hmac.update(out, 0, total);
    this.hmac.finish(this.digest);
    for (let i = 0; i < AH_ICV_LENGTH; i++) out[ah + AH_ICV_OFFSET + i] = this.digest[i]!;
    out[1] = TOS_NETWORK_CONTROL;
    out[8] = VRRP_TTL;
    // The kernel fills the checksum of a datagram sent with IP_HDRINCL anyway; written so the bytes are final.
    const checksum = finishChecksum(addWords(out, 0, IPV4_HEADER_LENGTH));
    out[10] = checksum >> 8;
    out[11] = checksum & 0xff;
    return total;
  }

  /**
   * keepalived's checks, in its order: the ICV (nothing else can be trusted before it), the SPI, then the sequence
   * number, which must be above the last one sent or accepted; an accepted one becomes the counter.
   */
  verify(advert: ReceivedAdvert, unicast: boolean): RejectReason | null {
    const packet = advert.packet;
    const ip = advert.ipOffset;
    const ah = advert.ahOffset;
    const headerLength = ah + AH_HEADER_LENGTH - ip;
    if (ip < 0 || headerLength < IPV4_HEADER_LENGTH + AH_HEADER_LENGTH || headerLength > this.headerCopy.length) return "ah-malformed";
    const copy = this.headerCopy;
    for (let i = 0; i < headerLength; i++) copy[i] = packet[ip + i]!;
    copy[1] = 0;
    copy[6] = 0;
    copy[7] = 0;
    copy[10] = 0;
    copy[11] = 0;
    if (unicast) copy[8] = 0;
    const icvAt = ah - ip + AH_ICV_OFFSET;
    copy.fill(0, icvAt, icvAt + AH_ICV_LENGTH);
    this.hmac.begin();
    this.hmac.update(copy, 0, headerLength);
    this.hmac.update(packet, advert.offset, advert.length);
    this.hmac.finish(this.digest);
    let difference = 0; // every byte compared, whatever differs first
    for (let i = 0; i < AH_ICV_LENGTH; i++) difference |= this.digest[i]! ^ packet[ah + AH_ICV_OFFSET + i]!;
    if (difference !== 0) return "ah-bad-icv";
    for (let i = 0; i < 4; i++) if (packet[ah + 4 + i] !== packet[ip + 12 + i]) return "ah-malformed";
    const seq = readU32(packet, ah + 8);
    if (seq <= this.seq) return "ah-replay";
    this.seq = seq;
    return null;
  }

  /**
   * A MASTER heard a lower-priority master: keepalived continues one above that router's number, so that its
   * answer (and every advert after it) is new to a router that has been counting on its own.
   */
  heardLowerPriority(advert: ReceivedAdvert): void {
    this.seq = (ahSequenceNumber(advert) + 1) >>> 0;
    this.cycled = false;
  }

  /** An advert was accepted while BACKUP, or a higher-priority one while MASTER: the counter is not cycled. */
  heardMaster(): void {
    this.cycled = false;
  }

  /** Becoming MASTER after the counter cycled: start again from 0 (keepalived's anti-replay reset). */
  becomingMaster(): void {
    if (!this.cycled) return;
    this.cycled = false;
    this.seq = 0;
  }
}
