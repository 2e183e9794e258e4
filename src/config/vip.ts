// Virtual addresses in either form: keepalived's line ("192.0.2.10/24 dev eth0 label eth0:1 scope global
// brd 192.0.2.255") or a table {address, dev, label, scope, brd}. Options vipd cannot honour are errors rather
// than silently dropped.

import type { Vip } from "./schema.ts";
import { parseAddress, parsePrefix } from "./address.ts";
import { describeValue, isTable } from "./table-reader.ts";

export type VipResult = { ok: true; vip: Vip } | { ok: false; reason: string };

const OPTIONS = ["dev", "label", "scope", "brd"] as const;
type VipOption = (typeof OPTIONS)[number];
const SCOPES = ["global", "site", "link", "host", "nowhere"] as const;
/** Linux interface names (and labels) are at most IFNAMSIZ - 1 bytes. */
const IFNAME_MAX = 15;

export function parseVip(value: unknown): VipResult {
  if (typeof value === "string") return parseVipLine(value);
  if (isTable(value)) return parseVipTable(value);
  const forms = 'a string like "192.0.2.10/24 dev eth0" or a table {address, dev, label, scope, brd}';
  return { ok: false, reason: `must be ${forms}, got ${describeValue(value)}` };
}

function parseVipLine(line: string): VipResult {
  const words = line.trim().split(/\s+/);
  const options: Partial<Record<VipOption, string>> = {};
  for (let i = 1; i < words.length; i += 2) {
    const option = words[i]!;
    if (!(OPTIONS as readonly string[]).includes(option)) {
      return { ok: false, reason: `unsupported option "${option}"; supported: ${OPTIONS.join(", ")}` };
    }
    const argument = words[i + 1];
    if (argument === undefined) return { ok: false, reason: `"${option}" needs a value` };
    options[option as VipOption] = argument;
  }
  return build(words[0] ?? "", options);
}

function parseVipTable(table: Record<string, unknown>): VipResult {
  const options: Partial<Record<VipOption, string>> = {};
  for (const [key, value] of Object.entries(table)) {
    if (key === "address") continue;
    if (!(OPTIONS as readonly string[]).includes(key)) {
      return { ok: false, reason: `unknown key "${key}"; allowed: address, ${OPTIONS.join(", ")}` };
    }
    if (typeof value !== "string" || value === "") {
      return { ok: false, reason: `${key} must be a non-empty string, got ${describeValue(value)}` };
    }
    options[key as VipOption] = value;
  }
  if (typeof table.address !== "string") return { ok: false, reason: `address is required: a string like "192.0.2.10/24"` };
  return build(table.address, options);
}

function build(addressText: string, options: Partial<Record<VipOption, string>>): VipResult {
  const prefix = parsePrefix(addressText);
  if (!prefix) return { ok: false, reason: `"${addressText}" is not an address or ADDRESS/PREFIX` };
  const { dev = null, label = null, scope = null, brd = null } = options;
  if (dev !== null && dev.length > IFNAME_MAX) return { ok: false, reason: `dev "${dev}" is longer than ${IFNAME_MAX} characters` };
  if (label !== null) {
    if (prefix.family === 6) return { ok: false, reason: "label is for IPv4 addresses only" };
    if (label.length > IFNAME_MAX) return { ok: false, reason: `label "${label}" is longer than ${IFNAME_MAX} characters` };
  }
  if (scope !== null && !(SCOPES as readonly string[]).includes(scope)) {
    return { ok: false, reason: `scope must be one of ${SCOPES.join(", ")}, got "${scope}"` };
  }
  if (brd !== null) {
    if (prefix.family === 6) return { ok: false, reason: "brd is for IPv4 addresses only" };
    const address = brd === "-" || brd === "+" ? null : parseAddress(brd);
    if (brd !== "-" && brd !== "+" && address?.family !== 4) {
      return { ok: false, reason: `brd must be an IPv4 address, "-" or "+", got "${brd}"` };
    }
  }
  return {
    ok: true,
    vip: {
      address: prefix.text,
      bytes: prefix.bytes,
      family: prefix.family,
      prefixLength: prefix.prefixLength ?? (prefix.family === 4 ? 32 : 128),
      dev,
      label,
      scope: scope as Vip["scope"],
      brd: brd === null || brd === "-" || brd === "+" ? brd : parseAddress(brd)!.text,
    },
  };
}
