// The Internet checksum (RFC 1071) and the pseudo-header sums VRRPv3 adds (RFC 5798 §5.2.8).
// Sums are kept as unfolded 32-bit-safe numbers so that pieces can be added before the final fold.

/** Adds the 16-bit big-endian words of `buf[offset, offset+length)` to `sum`; an odd last byte is padded with zero. */
export function addWords(buf: Uint8Array, offset: number, length: number, sum = 0): number {
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  // Fold now and then so the sum never leaves the range where doubles are exact.
  return sum > 0x7fffffff ? (sum & 0xffff) + Math.floor(sum / 0x10000) : sum;
}

/** Folds carries and takes the one's complement: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** IPv4 pseudo-header: source, destination, zero, protocol, upper-layer length. */
export function pseudoHeaderSumV4(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let sum = addWords(src, 0, 4);
  sum = addWords(dst, 0, 4, sum);
  return sum + protocol + length;
}

/** IPv6 pseudo-header (RFC 8200 §8.1): source, destination, 32-bit length, zeros, next header. */
export function pseudoHeaderSumV6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  let sum = addWords(src, 0, 16);
  sum = addWords(dst, 0, 16, sum);
  return sum + (length >>> 16) + (length & 0xffff) + nextHeader;
}
