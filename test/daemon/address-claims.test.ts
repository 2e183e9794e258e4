import { expect, test } from "bun:test";
import { AddressClaims, type Holdings, holdingsMinus } from "../../src/daemon/address-claims.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import { formatIp } from "../../src/vrrp/ip-address.ts";
import { FakeNetlink } from "../adapters/fake-netlink.ts";
import { ip } from "../vrrp/fixtures.ts";
import { FakeNoAcceptFilter } from "../adapters/fake-no-accept-filter.ts";

const ETH0 = { ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true };

function setup() {
  const netlink = new FakeNetlink([ETH0]);
  const lines: string[] = [];
  const held = () => netlink.addresses(4, 2).map((a) => `${formatIp(a.address)}/${a.prefixlen}`);
  return { netlink, lines, log: memoryLogs(lines)("vrrp:VI_1"), claims: new AddressClaims(netlink, new FakeNoAcceptFilter()), held };
}

const holdings = (...vips: string[]): Holdings => ({
  addresses: vips.map((v) => ({ ifindex: 2, address: ip(v), prefixlen: 24 })),
  routes: [{ family: 4, dst: ip("198.51.100.0"), prefixlen: 24, ifindex: 2 }],
  rules: [{ family: 4, from: { address: ip("192.0.2.10"), prefixlen: 32 }, table: 100 }],
  blocked: [],
});

test("claim adds addresses, routes and rules; claiming again is not an error; release removes them all", () => {
  const { netlink, lines, log, claims, held } = setup();
  claims.claim(holdings("192.0.2.10", "192.0.2.11"), log);
  claims.claim(holdings("192.0.2.10", "192.0.2.11"), log);
  expect(held()).toEqual(["192.0.2.10/24", "192.0.2.11/24"]);
  expect(netlink.routes.size).toBe(1);
  expect(netlink.rules.size).toBe(1);
  claims.release(holdings("192.0.2.10", "192.0.2.11"), log);
  claims.release(holdings("192.0.2.10", "192.0.2.11"), log);
  expect(held()).toEqual([]);
  expect(netlink.routes.size + netlink.rules.size).toBe(0);
  expect(lines).toEqual([]);
});

test("a refused address is logged with its text and the error, and the others are still claimed", () => {
  const { lines, log, claims, held } = setup();
  const h = holdings("192.0.2.10");
  h.addresses.unshift({ ifindex: 99, address: ip("192.0.2.9"), prefixlen: 24 });
  claims.claim(h, log);
  expect(held()).toEqual(["192.0.2.10/24"]);
  expect(lines.length).toBe(1);
  expect(lines[0]).toContain("add 192.0.2.9/24 failed:");
  expect(lines[0]).toContain("ENODEV");
});

test("holdingsMinus: what one set holds that the other does not, by address and prefix, routes and rules by content", () => {
  const a = holdings("192.0.2.10", "192.0.2.11");
  const b = holdings("192.0.2.11");
  b.routes = [];
  const diff = holdingsMinus(a, b);
  expect(diff.addresses.map((s) => formatIp(s.address))).toEqual(["192.0.2.10"]);
  expect(diff.routes.length).toBe(1);
  expect(diff.rules).toEqual([]);
});

test("no-accept mode: the VIPs are blocked before they are added and unblocked after they are removed", () => {
  const netlink = new FakeNetlink([ETH0]);
  const filter = new FakeNoAcceptFilter();
  filter.install();
  const seen: string[] = [];
  const held = () => netlink.addresses(4, 2).length;
  const spy = Object.assign(Object.create(filter) as FakeNoAcceptFilter, {
    block: (a: Uint8Array[]) => {
      seen.push(`block with ${held()} held`);
      filter.block(a);
    },
    unblock: (a: Uint8Array[]) => {
      seen.push(`unblock with ${held()} held`);
      filter.unblock(a);
    },
  });
  const claims = new AddressClaims(netlink, spy);
  const log = memoryLogs([])("vrrp:VI_1");
  const h = { ...holdings("192.0.2.10"), blocked: [ip("192.0.2.10")] };
  claims.claim(h, log);
  expect(filter.blocked().map((a) => formatIp(a))).toEqual(["192.0.2.10"]);
  claims.release(h, log);
  expect(seen).toEqual(["block with 0 held", "unblock with 0 held"]);
  expect(filter.blocked()).toEqual([]);
  expect(holdingsMinus(h, { ...h, blocked: [] }).blocked.map((a) => formatIp(a))).toEqual(["192.0.2.10"]);
  expect(holdingsMinus(h, h).blocked).toEqual([]);
});
