// Address text as users write it in the config: plain addresses and ADDRESS/PREFIX.

import { formatIp, parseIp, type IpFamily } from "../vrrp/ip-address.ts";

export interface ParsedAddress {
  bytes: Uint8Array;
  family: IpFamily;
  /** Canonical text. */
  text: string;
}

export interface ParsedPrefix extends ParsedAddress {
  /** null when no /N was written. */
  prefixLength: number | null;
}

/**
 * Addresses already read: a load balancer's file names the same few real servers thousands of times. Bounded, and
 * emptied when full: a file of many distinct addresses only loses the shortcut.
 */
const parsed = new Map<string, ParsedAddress | null>();
const PARSED_KEPT = 1024;

export function parseAddress(text: string): ParsedAddress | null {
  let known = parsed.get(text);
  if (known === undefined) {
    const bytes = parseIp(text);
    known = bytes ? { bytes, family: bytes.length === 4 ? 4 : 6, text: formatIp(bytes) } : null;
    if (parsed.size >= PARSED_KEPT) parsed.clear();
    parsed.set(text, known);
  }
  // A copy each time: callers own what they are given.
  return known && { bytes: known.bytes.slice(), family: known.family, text: known.text };
}

export function parsePrefix(text: string): ParsedPrefix | null {
  const slash = text.indexOf("/");
  const address = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  if (slash < 0) return { ...address, prefixLength: null };
  const length = text.slice(slash + 1);
  const max = address.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(length) || Number(length) > max) return null;
  return { ...address, prefixLength: Number(length) };
}

export function familyName(family: IpFamily): string {
  return family === 4 ? "IPv4" : "IPv6";
}
