// What every AddressManager must do, written once and run against the in-memory fake (test/adapters) and the
// rtnetlink adapter inside a lab namespace (test/netns, through the agent). Returns the failures, [] when it holds.
import type { AddressManager } from "../../src/adapters/address-manager.ts";
import { formatIp, parseIp } from "../../src/vrrp/ip-address.ts";

async function refusedWith(code: string, fn: () => void): Promise<string | null> {
  try {
    fn();
  } catch (e) {
    const got = (e as { code?: string }).code;
    return got === code ? null : `expected ${code}, got ${got ?? String(e)}`;
  }
  return `expected ${code}, but it succeeded`;
}

export async function addressManagerContract(m: AddressManager, ifname: string): Promise<string[]> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const link = m.links().find((l) => l.name === ifname);
  if (!link) return [`no link ${ifname}`];
  const has = (text: string) =>
    [...m.addresses(4, link.ifindex), ...m.addresses(6, link.ifindex)].some((a) => `${formatIp(a.address)}/${a.prefixlen}` === text);
  const v4 = { ifindex: link.ifindex, address: parseIp("203.0.113.77")!, prefixlen: 32 };
  const v6 = { ifindex: link.ifindex, address: parseIp("2001:db8:77::1")!, prefixlen: 128, nodad: true };

  m.addAddress(v4);
  m.addAddress(v6);
  check(has("203.0.113.77/32"), "an added IPv4 address is listed");
  check(has("2001:db8:77::1/128"), "an added IPv6 address is listed");
  const dup = await refusedWith("EEXIST", () => m.addAddress(v4));
  if (dup) failures.push(`adding twice: ${dup}`);
  m.deleteAddress(v4);
  m.deleteAddress(v6);
  check(!has("203.0.113.77/32") && !has("2001:db8:77::1/128"), "deleted addresses are gone");
  const missing = await refusedWith("EADDRNOTAVAIL", () => m.deleteAddress(v4));
  if (missing) failures.push(`deleting an absent address: ${missing}`);
  const noLink = await refusedWith("ENODEV", () => m.addAddress({ ...v4, ifindex: 0x7ffff0 }));
  if (noLink) failures.push(`adding on a missing link: ${noLink}`);

  const route = { family: 4 as const, dst: parseIp("198.51.100.0")!, prefixlen: 24, ifindex: link.ifindex, table: 77 };
  m.addRoute(route);
  const dupRoute = await refusedWith("EEXIST", () => m.addRoute(route));
  if (dupRoute) failures.push(`adding a route twice: ${dupRoute}`);
  m.deleteRoute(route);
  const goneRoute = await refusedWith("ESRCH", () => m.deleteRoute(route));
  if (goneRoute) failures.push(`deleting an absent route: ${goneRoute}`);

  const rule = { family: 4 as const, from: { address: parseIp("203.0.113.77")!, prefixlen: 32 }, table: 77, priority: 777 };
  m.addRule(rule);
  const dupRule = await refusedWith("EEXIST", () => m.addRule(rule));
  if (dupRule) failures.push(`adding a rule twice: ${dupRule}`);
  m.deleteRule(rule);
  const goneRule = await refusedWith("ENOENT", () => m.deleteRule(rule));
  if (goneRule) failures.push(`deleting an absent rule: ${goneRule}`);
  return failures;
}
