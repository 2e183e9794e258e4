// [virtual_server_groups.NAME]: several virtual services sharing one set of real servers (keepalived's
// virtual_server_group). Members are written as keepalived's lines: "ADDRESS[-LAST|/PREFIX] PORT" or
// "fwmark N [inet|inet6]".

import { parseIp, type IpFamily } from "../vrrp/ip-address.ts";
import type { Problems } from "./config-error.ts";
import type { VirtualServerGroupMember, VirtualServerGroupSection } from "./schema.ts";
import { TableReader, type TomlTable } from "./table-reader.ts";

export const VIRTUAL_SERVER_GROUP_KEYS = ["members"];
/** More services than this from one line is a typo, not a plan. */
export const MAX_RANGE_ADDRESSES = 256;
const FWMARK_MAX = 0xffffffff;

export function readVirtualServerGroup(problems: Problems, name: string, table: TomlTable): VirtualServerGroupSection {
  const r = new TableReader(problems, ["virtual_server_groups", name], table, VIRTUAL_SERVER_GROUP_KEYS);
  if (!r.has("members")) r.missing("members", 'a list such as ["192.0.2.10-12 80", "fwmark 5"]');
  const members: VirtualServerGroupMember[] = [];
  for (const { value, path } of r.stringList("members", "group members")) {
    const parsed = parseMember(value);
    if (typeof parsed === "string") problems.error(path, parsed);
    else members.push(parsed);
  }
  if (Array.isArray(table.members) && table.members.length === 0) problems.error(r.at("members"), "is empty; list the group's services");
  return { name, members };
}

/** A member, or what is wrong with it. */
export function parseMember(text: string): VirtualServerGroupMember | string {
  const words = text.trim().split(/\s+/);
  if (words[0] === "fwmark") {
    const mark = words[1];
    if (mark === undefined || !/^\d+$/.test(mark) || Number(mark) > FWMARK_MAX || words.length > 3) {
      return `must be "fwmark N [inet|inet6]" with N from 0 to ${FWMARK_MAX}, got ${JSON.stringify(text)}`;
    }
    const familyWord = words[2];
    if (familyWord !== undefined && familyWord !== "inet" && familyWord !== "inet6") {
      return `fwmark family must be inet or inet6, got ${JSON.stringify(familyWord)}`;
    }
    const family: IpFamily | null = familyWord === undefined ? null : familyWord === "inet" ? 4 : 6;
    return { kind: "fwmark", fwmark: Number(mark), family, text };
  }
  if (words.length !== 2 || !/^\d+$/.test(words[1]!) || Number(words[1]) > 65535) {
    return `must be "ADDRESS[-LAST|/PREFIX] PORT" (port 0 to 65535) or "fwmark N", got ${JSON.stringify(text)}`;
  }
  const range = parseRange(words[0]!);
  if (typeof range === "string") return range;
  return { kind: "range", ...range, port: Number(words[1]), text };
}

function parseRange(text: string): { family: IpFamily; first: Uint8Array; last: Uint8Array } | string {
  const slash = text.indexOf("/");
  const dash = text.indexOf("-");
  const firstText = slash >= 0 ? text.slice(0, slash) : dash >= 0 ? text.slice(0, dash) : text;
  const first = parseIp(firstText);
  if (!first) return `${JSON.stringify(firstText)} is not an IP address`;
  const family: IpFamily = first.length === 4 ? 4 : 6;
  const last = new Uint8Array(first);
  if (slash >= 0) {
    const prefix = text.slice(slash + 1);
    const bits = first.length * 8;
    if (!/^\d+$/.test(prefix) || Number(prefix) < 1 || Number(prefix) > bits)
      return `prefix must be 1 to ${bits}, got ${JSON.stringify(prefix)}`;
    for (let bit = Number(prefix); bit < bits; bit++) {
      const mask = 0x80 >> (bit % 8);
      if (first[bit >> 3]! & mask) return `${text}: the address has bits set past the prefix`;
      last[bit >> 3]! |= mask;
    }
  } else if (dash >= 0) {
    const endText = text.slice(dash + 1);
    const end = /[.:]/.test(endText) ? parseIp(endText) : lastPart(first, endText);
    if (!end || end.length !== first.length)
      return `range end ${JSON.stringify(endText)} is not an address or last part of the same family`;
    last.set(end);
  }
  const count = countBetween(first, last);
  if (count < 1) return `${text}: the range ends before it starts`;
  if (count > MAX_RANGE_ADDRESSES) return `${text}: ${count} addresses, more than the ${MAX_RANGE_ADDRESSES} allowed in one member`;
  return { family, first, last };
}

/** "10" after 192.0.2.3 (the last octet, decimal) or "9" after 2001:db8::2 (the last group, hex), as keepalived reads them. */
function lastPart(first: Uint8Array, text: string): Uint8Array | null {
  const out = new Uint8Array(first);
  if (first.length === 4) {
    if (!/^\d{1,3}$/.test(text) || Number(text) > 255) return null;
    out[3] = Number(text);
    return out;
  }
  if (!/^[0-9a-f]{1,4}$/i.test(text)) return null;
  const value = Number.parseInt(text, 16);
  out[14] = value >> 8;
  out[15] = value & 0xff;
  return out;
}

/** last - first + 1, or 0 when last < first; capped just past the limit. */
export function countBetween(first: Uint8Array, last: Uint8Array): number {
  let diff = 0;
  for (let i = 0; i < first.length; i++) {
    diff = diff * 256 + (last[i]! - first[i]!);
    if (diff > MAX_RANGE_ADDRESSES) return MAX_RANGE_ADDRESSES + 1;
    if (diff < -MAX_RANGE_ADDRESSES) return 0;
  }
  return diff < 0 ? 0 : diff + 1;
}

/** Every address of a range member, in order. */
export function rangeAddresses(member: Extract<VirtualServerGroupMember, { kind: "range" }>): Uint8Array[] {
  const out: Uint8Array[] = [];
  const count = countBetween(member.first, member.last);
  const current = new Uint8Array(member.first);
  for (let n = 0; n < count; n++) {
    out.push(new Uint8Array(current));
    for (let i = current.length - 1; i >= 0; i--) {
      current[i] = (current[i]! + 1) & 0xff;
      if (current[i] !== 0) break;
    }
  }
  return out;
}
