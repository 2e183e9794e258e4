// virtual_routes and virtual_rules lines in keepalived's (ip route / ip rule) syntax. vipd keeps the line and
// pulls out the fields it needs; words it does not know are errors, so a typo is not silently dropped.

import type { VirtualRoute, VirtualRule } from "./schema.ts";
import { parseAddress, parsePrefix } from "./address.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ROUTE_TYPES = ["blackhole", "unreachable", "prohibit", "throw"];
/** Route keywords followed by one value; of these vipd uses src, via/gw, dev and table. */
const ROUTE_VALUE_WORDS = [
  "src",
  "via",
  "gw",
  "dev",
  "table",
  "scope",
  "metric",
  "priority",
  "preference",
  "protocol",
  "proto",
  "mtu",
  "tos",
  "realms",
  "advmss",
  "hoplimit",
  "initcwnd",
  "initrwnd",
  "weight",
  "or",
];
const ROUTE_FLAGS = ["onlink", "no_track", "inet6", "append"];

export function parseRoute(raw: string): Parsed<VirtualRoute> {
  const words = raw
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  const route: VirtualRoute = { raw: raw.trim(), destination: "", src: null, via: null, dev: null, table: null, type: null };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (ROUTE_TYPES.includes(word)) {
      route.type = word;
    } else if (ROUTE_FLAGS.includes(word)) {
      // accepted, nothing to extract
    } else if (ROUTE_VALUE_WORDS.includes(word) || word === "to") {
      const value = words[++i];
      if (value === undefined) return { ok: false, reason: `"${word}" needs a value` };
      if (word === "to") {
        if (route.destination !== "") return { ok: false, reason: "two destinations" };
        const destination = destinationOf(value);
        if (destination === null) return { ok: false, reason: `"${value}" is not a destination (ADDRESS/PREFIX or default)` };
        route.destination = destination;
      } else if (word === "src" || word === "via" || word === "gw" || word === "or") {
        const address = parseAddress(value);
        if (!address) return { ok: false, reason: `${word} "${value}" is not an address` };
        if (word === "src") route.src = address.text;
        else if (word !== "or") route.via = address.text;
      } else if (word === "dev") route.dev = value;
      else if (word === "table") route.table = value;
    } else if (route.destination === "") {
      const destination = destinationOf(word);
      if (destination === null) return { ok: false, reason: `"${word}" is neither a destination nor a route keyword` };
      route.destination = destination;
    } else {
      return { ok: false, reason: `unknown word "${word}"` };
    }
  }
  if (route.destination === "") return { ok: false, reason: "no destination (ADDRESS/PREFIX or default)" };
  return { ok: true, value: route };
}

function destinationOf(word: string): string | null {
  if (word === "default") return word;
  const prefix = parsePrefix(word);
  if (!prefix) return null;
  return `${prefix.text}/${prefix.prefixLength ?? (prefix.family === 4 ? 32 : 128)}`;
}

const RULE_VALUE_WORDS = [
  "from",
  "to",
  "table",
  "lookup",
  "priority",
  "preference",
  "pref",
  "iif",
  "oif",
  "fwmark",
  "tos",
  "dsfield",
  "goto",
  "realms",
  "uidrange",
  "ip_proto",
  "sport",
  "dport",
  "protocol",
  "suppress_prefixlength",
  "suppress_ifgroup",
];
const RULE_FLAGS = ["not", "l3mdev", "no_track", "inet6"];

export function parseRule(raw: string): Parsed<VirtualRule> {
  const words = raw
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  const rule: VirtualRule = { raw: raw.trim(), from: null, to: null, table: null, priority: null };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (RULE_FLAGS.includes(word)) continue;
    if (!RULE_VALUE_WORDS.includes(word)) return { ok: false, reason: `unknown word "${word}"` };
    const value = words[++i];
    if (value === undefined) return { ok: false, reason: `"${word}" needs a value` };
    if (word === "from" || word === "to") {
      const selector = value === "all" ? "all" : destinationOf(value);
      if (selector === null || selector === "default") return { ok: false, reason: `${word} "${value}" is not ADDRESS/PREFIX or all` };
      rule[word] = selector;
    } else if (word === "table" || word === "lookup") {
      rule.table = value;
    } else if (word === "priority" || word === "preference" || word === "pref") {
      if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) return { ok: false, reason: `${word} must be a number, got "${value}"` };
      rule.priority = Number(value);
    }
  }
  return { ok: true, value: rule };
}
