// One unicast_peer entry as keepalived 2.2.7 writes it: "ADDRESS [min_ttl N] [max_ttl N]". A TTL bound makes
// keepalived check the sources of unicast adverts (check_unicast_src); the range applies to that peer only.

import type { TtlRange } from "../vrrp/instance-config.ts";
import { type ParsedAddress, parseAddress } from "./address.ts";

export interface UnicastPeer extends ParsedAddress {
  /** null: no bound written (0..255). */
  ttl: TtlRange | null;
}

export const ANY_TTL: TtlRange = { min: 0, max: 255 };

export function parseUnicastPeer(line: string): { ok: true; peer: UnicastPeer } | { ok: false; reason: string } {
  const [first = "", ...words] = line.split(/\s+/);
  const address = parseAddress(first);
  if (!address) return { ok: false, reason: `must be an IPv4 or IPv6 address, got ${JSON.stringify(first)}` };
  if (words.length === 0) return { ok: true, peer: { ...address, ttl: null } };
  const ttl = { ...ANY_TTL };
  for (let i = 0; i < words.length; i += 2) {
    const option = words[i]!;
    const value = words[i + 1];
    if (option !== "min_ttl" && option !== "max_ttl") {
      return { ok: false, reason: `unknown option ${JSON.stringify(option)} (the form is "ADDRESS [min_ttl N] [max_ttl N]")` };
    }
    if (value === undefined || !/^\d{1,3}$/.test(value) || Number(value) > 255) {
      return { ok: false, reason: `${option} must be an integer from 0 to 255, got ${JSON.stringify(value ?? "")}` };
    }
    if (option === "min_ttl") ttl.min = Number(value);
    else ttl.max = Number(value);
  }
  if (ttl.min > ttl.max) return { ok: false, reason: `min_ttl ${ttl.min} is above max_ttl ${ttl.max}: every advert would be dropped` };
  return { ok: true, peer: { ...address, ttl } };
}
