// virtual_ipaddress(_excluded) lines, virtual_routes and virtual_rules. Lines keep keepalived's syntax, which
// vipd's schema reads too; options vipd cannot honour are taken off the line and reported, the address stays.

import { parsePrefix } from "../config/address.ts";
import { parseRoute, parseRule } from "../config/routes.ts";
import { parseVip } from "../config/vip.ts";
import type { ConvertContext } from "./convert-context.ts";
import type { TomlSection } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { isBrokenAddress } from "./values.ts";

const VIP_OPTIONS = ["dev", "label", "scope", "brd"];

/** Address options vipd does not have: whether they take a value, what they did, whether losing them matters. */
const VIP_UNSUPPORTED: Record<string, { takesValue: boolean; did: string; lossy: boolean }> = {
  peer: { takesValue: true, did: "made it a point-to-point address with this peer", lossy: true },
  preferred_lft: { takesValue: true, did: "set the preferred lifetime (0 deprecates the address as a source)", lossy: true },
  track_group: { takesValue: true, did: "only applies to static addresses", lossy: false },
  use_vmac: { takesValue: false, did: "put the address on a VMAC interface", lossy: true },
  home: { takesValue: false, did: "marked an IPv6 home address (Mobile IPv6)", lossy: true },
  "-nodad": { takesValue: false, did: "skipped IPv6 duplicate address detection", lossy: true },
  nodad: { takesValue: false, did: "skipped IPv6 duplicate address detection", lossy: true },
  mngtmpaddr: { takesValue: false, did: "made the kernel manage temporary addresses from it", lossy: true },
  noprefixroute: { takesValue: false, did: "added the address without its prefix route", lossy: true },
  autojoin: { takesValue: false, did: "joined the multicast group of the address", lossy: true },
  no_track: { takesValue: false, did: "left the instance MASTER when the address was deleted by someone else", lossy: true },
};

/** One VIP line → the string vipd accepts, or null after an error (an invalid address is broken input). */
export function mapVipLine(ctx: ConvertContext, section: TomlSection, node: ConfNode): string | null {
  const address = node.keyword;
  if (parsePrefix(address) === null) {
    ctx.error(node, `invalid IP address '${address}'`);
    return null;
  }
  const kept: string[] = [address];
  const words = node.args;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (VIP_OPTIONS.includes(word)) {
      const value = words[++i];
      if (value === undefined) {
        ctx.error(node, `${address}: '${word}' needs a value`);
        return null;
      }
      const check = parseVip(`${address} ${word} ${value}`);
      if (check.ok) kept.push(word, value);
      else ctx.warn(section, node, `${word} ${value}: not accepted by vipd (${check.reason}); left out`, word !== "label", address);
      continue;
    }
    const known = Object.hasOwn(VIP_UNSUPPORTED, word) ? VIP_UNSUPPORTED[word] : undefined;
    if (known) {
      const value = known.takesValue ? ` ${words[++i] ?? ""}` : "";
      ctx.unsupported(section, node, `${word}${value.trimEnd()}: ${known.did}`, known.lossy, address);
    } else {
      ctx.warn(section, node, `'${word}': unknown address option, left out`, true, address);
    }
  }
  return kept.join(" ");
}

/** keepalived gives rules without a preference one, counting down from 16384 in the order it reads them. */
export class RulePreferences {
  private next = 16384;

  take(): number {
    return this.next--;
  }
}

function lineOf(node: ConfNode): string {
  return [node.keyword, ...node.args].join(" ");
}

/** A line vipd's parser rejects: keepalived skips lines with a broken address too; other words are lossy. */
function rejectLine(ctx: ConvertContext, section: TomlSection, node: ConfNode, what: string, reason: string): void {
  const line = lineOf(node);
  const broken = [node.keyword, ...node.args].find(isBrokenAddress);
  if (broken !== undefined) {
    ctx.warn(
      section,
      node,
      `"${line}": invalid address '${broken}'; keepalived 2.2.7 skips this ${what} too, so does the conversion`,
      false,
      what,
    );
  } else {
    ctx.warn(section, node, `"${line}": not supported by vipd (${reason}); keepalived added this ${what}`, true, what);
  }
}

export function mapRouteLine(ctx: ConvertContext, section: TomlSection, node: ConfNode): string | null {
  const line = lineOf(node);
  const parsed = parseRoute(line);
  if (!parsed.ok) {
    rejectLine(ctx, section, node, "route", parsed.reason);
    return null;
  }
  return line;
}

export function mapRuleLine(ctx: ConvertContext, section: TomlSection, node: ConfNode, preferences: RulePreferences): string | null {
  const line = lineOf(node);
  const parsed = parseRule(line);
  if (!parsed.ok) {
    rejectLine(ctx, section, node, "rule", parsed.reason);
    return null;
  }
  if (parsed.value.priority !== null) return line;
  const preference = preferences.take();
  ctx.warn(
    section,
    node,
    `no preference: keepalived gives it ${preference}, written as "priority ${preference}" to keep the rule order`,
    false,
    "rule",
  );
  return `${line} priority ${preference}`;
}

/** static_rules still use up preferences, so the virtual rules after them get keepalived's numbers. */
export function countStaticRules(children: ConfNode[], preferences: RulePreferences): void {
  for (const node of children) {
    const parsed = parseRule(lineOf(node));
    if (parsed.ok && parsed.value.priority === null) preferences.take();
  }
}
