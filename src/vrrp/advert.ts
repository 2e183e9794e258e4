// Encoding and decoding of VRRP advertisements (RFC 3768 §5.1, RFC 5798 §5.1).
//
// Decoding never throws and never allocates: a decoder owns one ReceivedAdvert that it refills, and rejects
// are shared constant objects. A decoded advert is valid until the next decode on the same decoder.

import { addWords, finishChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from "./checksum.ts";
import { AUTH_NONE, IPPROTO_VRRP, VRRP_AUTH_DATA_LENGTH, VRRP_HEADER_LENGTH, VRRP_TYPE_ADVERTISEMENT } from "./constants.ts";
import { addressLength, formatIp, type IpFamily } from "./ip-address.ts";
import type { RejectReason } from "./reject-reason.ts";

export type VrrpVersion = 2 | 3;

/** How a v3 advert over IPv4 was summed: RFC 5798 with the pseudo-header, or like v2 without it. */
export type ChecksumForm = "pseudo-header" | "as-v2";

/** What an advert says; the same shape is used to encode one. */
export interface AdvertFields {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  /** Centiseconds. v2 carries whole seconds, so it must be a multiple of 100 there. */
  advertIntervalCs: number;
  /** Addresses of the advert's family, each 4 or 16 bytes. */
  addresses: readonly Uint8Array[];
  /** v2 only: 0 none, 1 simple password, 2 IPsec AH (the advert then goes inside AH: ipsec-ah.ts). */
  authType: number;
  /** v2 only: the 8 bytes of authentication data (a password padded with zeros). */
  authData: Uint8Array;
}

/** The longest advert: 255 IPv6 addresses (the count is one byte), no authentication data. */
export const MAX_ADVERT_LENGTH = VRRP_HEADER_LENGTH + 255 * 16;

export function advertLength(version: VrrpVersion, family: IpFamily, addressCount: number): number {
  const auth = version === 2 ? VRRP_AUTH_DATA_LENGTH : 0;
  return VRRP_HEADER_LENGTH + addressCount * addressLength(family) + auth;
}

/** The 8-byte authentication data for a simple password: keepalived keeps the first 8 bytes, zero-padded. */
export function passwordAuthData(password: string): Uint8Array {
  const data = new Uint8Array(VRRP_AUTH_DATA_LENGTH);
  data.set(new TextEncoder().encode(password).subarray(0, VRRP_AUTH_DATA_LENGTH));
  return data;
}

/**
 * Writes the advert into `out` and returns its length. `src` and `dst` are the IP addresses it will be sent
 * with: the v3 checksum covers them, so an advert to each unicast peer has its own checksum.
 */
export function encodeAdvert(
  out: Uint8Array,
  fields: AdvertFields,
  family: IpFamily,
  src: Uint8Array,
  dst: Uint8Array,
  checksumForm: ChecksumForm = "pseudo-header",
): number {
  const length = advertLength(fields.version, family, fields.addresses.length);
  if (out.length < length) throw new RangeError(`advert needs ${length} bytes, buffer has ${out.length}`);
  out[0] = (fields.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  out[1] = fields.vrid;
  out[2] = fields.priority;
  out[3] = fields.addresses.length;
  if (fields.version === 2) {
    out[4] = fields.authType;
    out[5] = Math.floor(fields.advertIntervalCs / 100);
  } else {
    out[4] = (fields.advertIntervalCs >> 8) & 0x0f;
    out[5] = fields.advertIntervalCs & 0xff;
  }
  out[6] = 0;
  out[7] = 0;
  let offset = VRRP_HEADER_LENGTH;
  for (const address of fields.addresses) {
    out.set(address, offset);
    offset += address.length;
  }
  if (fields.version === 2) {
    if (fields.authType === AUTH_NONE) out.fill(0, offset, offset + VRRP_AUTH_DATA_LENGTH);
    else out.set(fields.authData.subarray(0, VRRP_AUTH_DATA_LENGTH), offset);
  }
  const checksum = computeChecksum(out, 0, length, fields.version, family, src, dst, checksumForm);
  out[6] = checksum >> 8;
  out[7] = checksum & 0xff;
  return length;
}

/** The checksum over a message whose checksum field is zero (or, when verifying, zero for a valid message). */
function computeChecksum(
  buf: Uint8Array,
  offset: number,
  length: number,
  version: VrrpVersion,
  family: IpFamily,
  src: Uint8Array,
  dst: Uint8Array,
  form: ChecksumForm,
): number {
  let sum = 0;
  if (version === 3) {
    if (family === 6) sum = pseudoHeaderSumV6(src, dst, IPPROTO_VRRP, length);
    else if (form === "pseudo-header") sum = pseudoHeaderSumV4(src, dst, IPPROTO_VRRP, length);
  }
  return finishChecksum(addWords(buf, offset, length, sum));
}

/** A decoded advert: fields plus where its addresses sit in the packet, so comparisons need no copies. */
export class ReceivedAdvert {
  version: VrrpVersion = 2;
  vrid = 0;
  priority = 0;
  addressCount = 0;
  authType = 0;
  advertIntervalCs = 0;
  family: IpFamily = 4;
  checksumForm: ChecksumForm = "pseudo-header";
  /** The packet the advert was decoded from, and the offsets of its parts in it. */
  packet: Uint8Array = new Uint8Array(0);
  offset = 0;
  length = 0;
  addressOffset = 0;
  authDataOffset = 0;
  /** The IP source address, as the transport reported it. */
  src: Uint8Array = new Uint8Array(4);
  /** The IP destination address: the group, or ours for a unicast advert. */
  dst: Uint8Array = new Uint8Array(4);
  /** IPv4 TTL or IPv6 hop limit as received; the instance checks it (multicast only). */
  ttl = 0;
  /** For an advert that came inside IPsec AH: where the IPv4 header and the AH header sit in `packet`; else -1. */
  ipOffset = -1;
  ahOffset = -1;

  /** Allocates: for logs and status only, never on the receive path. */
  addressStrings(): string[] {
    const size = addressLength(this.family);
    const out: string[] = [];
    for (let i = 0; i < this.addressCount; i++) out.push(formatIp(this.packet, this.addressOffset + i * size, size));
    return out;
  }

  srcString(): string {
    return formatIp(this.src);
  }
}

export type DecodeResult = { readonly ok: true; readonly advert: ReceivedAdvert } | Reject;
export type Reject = { readonly ok: false; readonly reason: RejectReason };

const rejects = new Map<RejectReason, Reject>();
/** The one shared reject object for a reason (no allocation per packet). */
export function reject(reason: RejectReason): Reject {
  let r = rejects.get(reason);
  if (!r) {
    r = Object.freeze({ ok: false, reason });
    rejects.set(reason, r);
  }
  return r;
}

export class AdvertDecoder {
  readonly advert = new ReceivedAdvert();
  private readonly accepted: DecodeResult = { ok: true, advert: this.advert };

  /**
   * Decodes the VRRP message at `packet[offset, offset+length)`. `ttl` is the IPv4 TTL or IPv6 hop limit the
   * transport saw. Checks only what needs no configuration; the instance checks the rest (validateAdvert).
   */
  decode(
    packet: Uint8Array,
    offset: number,
    length: number,
    family: IpFamily,
    src: Uint8Array,
    dst: Uint8Array,
    ttl: number,
  ): DecodeResult {
    if (length < VRRP_HEADER_LENGTH || offset + length > packet.length) return reject("truncated");
    const version = packet[offset]! >> 4;
    if (version !== 2 && version !== 3) return reject("bad-version");
    if ((packet[offset]! & 0x0f) !== VRRP_TYPE_ADVERTISEMENT) return reject("bad-type");
    const addressCount = packet[offset + 3]!;
    const needed = VRRP_HEADER_LENGTH + addressCount * addressLength(family) + (version === 2 ? VRRP_AUTH_DATA_LENGTH : 0);
    // keepalived sends nothing after the addresses (v3) or the auth data (v2); extra bytes are tolerated as
    // the RFCs ask receivers to, but the checksum covers the whole message as received.
    if (length < needed) return reject("truncated");
    if (version === 2 && family === 6) return reject("bad-version");

    let checksumForm: ChecksumForm = "pseudo-header";
    if (computeChecksum(packet, offset, length, version, family, src, dst, "pseudo-header") !== 0) {
      const otherFormFits = version === 3 && family === 4 && computeChecksum(packet, offset, length, 3, 4, src, dst, "as-v2") === 0;
      if (!otherFormFits) return reject("bad-checksum");
      checksumForm = "as-v2";
    }

    const a = this.advert;
    a.version = version;
    a.vrid = packet[offset + 1]!;
    a.priority = packet[offset + 2]!;
    a.addressCount = addressCount;
    a.family = family;
    a.checksumForm = checksumForm;
    a.packet = packet;
    a.offset = offset;
    a.length = length;
    a.addressOffset = offset + VRRP_HEADER_LENGTH;
    a.src = src;
    a.dst = dst;
    a.ttl = ttl;
    a.ipOffset = -1; // set by the caller when the advert came inside AH
    a.ahOffset = -1;
    if (version === 2) {
      a.authType = packet[offset + 4]!;
      a.advertIntervalCs = packet[offset + 5]! * 100;
      a.authDataOffset = a.addressOffset + addressCount * 4;
    } else {
      a.authType = 0;
      a.advertIntervalCs = ((packet[offset + 4]! & 0x0f) << 8) | packet[offset + 5]!;
      a.authDataOffset = -1;
    }
    return this.accepted;
  }
}
