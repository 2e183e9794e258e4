// IPv4 and IPv6 addresses as bytes in network order. The core works on bytes (no node:net here) so that
// comparing a received address with a configured one never allocates.

export type IpFamily = 4 | 6;

export function addressLength(family: IpFamily): 4 | 16 {
  return family === 4 ? 4 : 16;
}

export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^\d{1,3}$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    out[i] = value;
  }
  return out;
}

export function parseIPv6(text: string): Uint8Array | null {
  if (text.includes("%")) return null; // zone ids belong to the interface, not the address
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1]!.split(":")) : null;
  const words: number[] = [];
  const pushGroups = (groups: string[], target: number[]): boolean => {
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i]!;
      if (group.includes(".")) {
        // An embedded IPv4 address may only stand last.
        const last = i === groups.length - 1;
        const v4 = last ? parseIPv4(group) : null;
        if (!v4) return false;
        target.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
      target.push(parseInt(group, 16));
    }
    return true;
  };
  if (!pushGroups(head, words)) return null;
  if (tail === null) {
    if (words.length !== 8) return null;
  } else {
    const tailWords: number[] = [];
    if (head.length > 0 && head[head.length - 1]!.includes(".")) return null;
    if (!pushGroups(tail, tailWords)) return null;
    const missing = 8 - words.length - tailWords.length;
    if (missing < 1) return null;
    for (let i = 0; i < missing; i++) words.push(0);
    words.push(...tailWords);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i]! >> 8;
    out[i * 2 + 1] = words[i]! & 0xff;
  }
  return out;
}

/** Parses either family; returns null for anything that is not a plain address. */
export function parseIp(text: string): Uint8Array | null {
  return text.includes(":") ? parseIPv6(text) : parseIPv4(text);
}

export function familyOf(address: Uint8Array): IpFamily {
  return address.length === 4 ? 4 : 6;
}

/**
 * Formats `length` bytes (4 or 16) at `offset`. IPv6 in RFC 5952 text: lower-case hex without leading zeros, the
 * longest run of two or more zero groups shortened to "::" (the leftmost on a tie, a single zero group never), and
 * IPv4-mapped addresses in mixed notation (::ffff:192.0.2.1, §5).
 */
export function formatIp(bytes: Uint8Array, offset = 0, length: number = bytes.length - offset): string {
  if (length === 4) return formatIPv4(bytes, offset);
  if (length !== 16) throw new RangeError(`an IP address is 4 or 16 bytes, not ${length}`);
  if (isIPv4Mapped(bytes, offset)) return `::ffff:${formatIPv4(bytes, offset + 12)}`;
  const group = (i: number): number => (bytes[offset + i * 2]! << 8) | bytes[offset + i * 2 + 1]!;
  let runStart = -1;
  let runLength = 1; // a run must beat this: two zero groups at least
  for (let i = 0; i < 8; ) {
    if (group(i) !== 0) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < 8 && group(end) === 0) end++;
    if (end - i > runLength) {
      runStart = i;
      runLength = end - i;
    }
    i = end;
  }
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (i === runStart) {
      text += "::";
      i += runLength - 1;
      continue;
    }
    if (text !== "" && !text.endsWith(":")) text += ":";
    text += group(i).toString(16);
  }
  return text;
}

function formatIPv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** ::ffff:0:0/96: eighty zero bits, then sixteen one bits. */
function isIPv4Mapped(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 10; i++) if (bytes[offset + i] !== 0) return false;
  return bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff;
}

/** Unsigned comparison of two addresses in network order: negative, zero or positive. */
export function compareAddressBytes(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, length: number): number {
  for (let i = 0; i < length; i++) {
    const diff = a[aOffset + i]! - b[bOffset + i]!;
    if (diff !== 0) return diff;
  }
  return 0;
}

export function sameAddress(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, length: number): boolean {
  return compareAddressBytes(a, aOffset, b, bOffset, length) === 0;
}
