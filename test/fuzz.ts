// A small seeded pseudo-random source for the fuzz tests: the same seed gives the same run, so a failure found
// once is found again (mulberry32).

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ATTRIBUTE_HEADER = 4;

/**
 * The offsets of every netlink attribute header in b[start, end), nested ones included: an attribute whose payload
 * reads as a whole run of attributes is taken for a nest (the kernel's IPVS answers do not all set NLA_F_NESTED).
 */
export function attributeHeaders(b: Uint8Array, start: number, end: number, out: number[] = []): number[] {
  for (let at = start; at + ATTRIBUTE_HEADER <= end; ) {
    const len = b[at]! | (b[at + 1]! << 8);
    if (len < ATTRIBUTE_HEADER || at + len > end) break;
    out.push(at);
    if (len > ATTRIBUTE_HEADER && isAttributeRun(b, at + ATTRIBUTE_HEADER, at + len))
      attributeHeaders(b, at + ATTRIBUTE_HEADER, at + len, out);
    at += (len + 3) & ~3;
  }
  return out;
}

function isAttributeRun(b: Uint8Array, start: number, end: number): boolean {
  let at = start;
  while (at + ATTRIBUTE_HEADER <= end) {
    const len = b[at]! | (b[at + 1]! << 8);
    if (len < ATTRIBUTE_HEADER || at + len > end) return false;
    at += (len + 3) & ~3;
  }
  return at >= end;
}

/**
 * A netlink message mutated the ways a broken or hostile peer would: a byte changed, an attribute's length (nested
 * or not) made shorter, longer or zero, the message cut short (inside a nest too), an attribute's type changed.
 * `headersAt` is where the message's attributes start (after its fixed header).
 */
export function mutateNetlink(seed: Uint8Array, headersAt: number, rnd: () => number): { bytes: Uint8Array; end: number; how: string } {
  const bytes = seed.slice();
  let end = bytes.length;
  const headers = attributeHeaders(bytes, headersAt, end);
  const header = headers.length > 0 ? headers[Math.floor(rnd() * headers.length)]! : -1;
  const choice = Math.floor(rnd() * 5);
  if (choice === 0 || header < 0) {
    bytes[Math.floor(rnd() * end)] = Math.floor(rnd() * 256);
    return { bytes, end, how: "byte" };
  }
  if (choice === 1) {
    const len = bytes[header]! | (bytes[header + 1]! << 8);
    const next = [0, 1, 3, 4, len - 1, len + 1, len + 4, len - 4, Math.floor(rnd() * 0x10000)][Math.floor(rnd() * 9)]! & 0xffff;
    bytes[header] = next & 0xff;
    bytes[header + 1] = next >> 8;
    return { bytes, end, how: "length" };
  }
  if (choice === 2) {
    end = Math.floor(rnd() * end);
    return { bytes, end, how: "cut" };
  }
  if (choice === 3) {
    // Cut inside this attribute (a nest's members included), its length and every enclosing one left as they were.
    const len = bytes[header]! | (bytes[header + 1]! << 8);
    end = header + Math.floor(rnd() * len);
    return { bytes, end, how: "cut-inside" };
  }
  bytes[header + 2] = Math.floor(rnd() * 40);
  return { bytes, end, how: "type" };
}
