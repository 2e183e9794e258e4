// The driver with IPsec AH instances (keepalived's auth_type AH) on the FakeLan: an AH transport per interface, the
// whole datagram built by the core and sent as is, received datagrams handed to the core with their IP header.
// Three routers with unicast peers, so each advert goes out once per peer.

import { expect, test } from "bun:test";
import { Driver } from "../../src/daemon/driver.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import type { InstancePlan } from "../../src/daemon/plan.ts";
import { passwordAuthData } from "../../src/vrrp/advert.ts";
import { AUTH_AH, AUTH_NONE, IPPROTO_AH } from "../../src/vrrp/constants.ts";
import { formatIp } from "../../src/vrrp/ip-address.ts";
import { VrrpNode } from "../../src/vrrp/node.ts";
import { FakeNoAcceptFilter } from "../adapters/fake-no-accept-filter.ts";
import { FakeAnnouncer } from "../adapters/fake-announcer.ts";
import { FakeLan } from "../adapters/fake-vrrp-transport.ts";
import { FakeNetlink } from "../adapters/fake-netlink.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { instance, ip } from "../vrrp/fixtures.ts";

const ETH0 = { ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true };
const VIP = ip("192.0.2.100");
const ADDRESSES = ["192.0.2.1", "192.0.2.2", "192.0.2.3"];

/** `password` null: no authentication (a plain VRRP transport). */
function settings(address: string, priority: number, password: string | null) {
  const peers = ADDRESSES.filter((a) => a !== address).map(ip);
  const config = instance({
    version: 2,
    priority,
    primaryAddress: ip(address),
    unicastPeers: peers,
    authType: password === null ? AUTH_NONE : AUTH_AH,
    authData: passwordAuthData(password ?? ""),
  });
  const plan: InstancePlan = {
    name: "VI_1",
    ifname: "eth0",
    family: 4,
    destinations: peers,
    ipsecAh: password !== null,
    addresses: [{ ifindex: 2, address: VIP, prefixlen: 24 }],
    blocked: [],
    announce: [],
    announceIntervalMs: 0,
    routes: [],
    rules: [],
    notify: {},
  };
  return { config, plan };
}

function host(lan: FakeLan, timers: FakeTimers, address: string, priority: number, password: string | null = "Aa123456") {
  const { config, plan } = settings(address, priority, password);
  const node = new VrrpNode({ instances: [config], syncGroups: [] });
  const lines: string[] = [];
  const driver = new Driver({
    node,
    instances: [plan],
    groupNotify: new Map(),
    transports: lan.host(address, { 4: ip(address) }),
    addresses: new FakeNetlink([ETH0]),
    announcer: new FakeAnnouncer(),
    noAccept: new FakeNoAcceptFilter(),
    notifier: { notify: () => {} },
    logs: memoryLogs(lines),
    timers,
  });
  const router = node.router("VI_1")!;
  const drops = () => Object.fromEntries(Object.entries(router.stats.rejects).filter(([, n]) => n > 0));
  return { address, driver, router, drops, lines };
}

const seqOf = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset).getUint32(28);

test("AH routers elect one master; every copy of an advert (one per peer) carries the same sequence number", () => {
  const timers = new FakeTimers();
  const lan = new FakeLan((deliver) => timers.setTimeout(deliver, 0.2));
  const hosts = [host(lan, timers, "192.0.2.1", 150), host(lan, timers, "192.0.2.2", 100), host(lan, timers, "192.0.2.3", 50)];
  for (const h of hosts) h.driver.start();
  timers.advance(6000);
  expect(hosts.map((h) => h.router.state)).toEqual(["MASTER", "BACKUP", "BACKUP"]);
  expect(hosts.map((h) => h.drops())).toEqual([{}, {}, {}]);

  const sent = lan.log.filter((p) => p.from.startsWith("192.0.2.1/"));
  expect(sent.length).toBeGreaterThanOrEqual(4);
  for (const p of sent) {
    expect(p.bytes[9]).toBe(IPPROTO_AH);
    expect(formatIp(p.bytes.subarray(16, 20))).toBe(formatIp(p.dst)); // the header the core built names the peer
  }
  // Sent in pairs (one per peer), numbered 1, 1, 2, 2, 3, 3, …
  expect(sent.map((p) => seqOf(p.bytes))).toEqual(sent.map((_, i) => Math.floor(i / 2) + 1));

  // The master dies: the next in line takes over and numbers on from the last advert it accepted.
  const last = seqOf(sent.at(-1)!.bytes);
  hosts[0]!.driver.dropTransports("eth0"); // its sockets are gone: it neither sends nor hears
  timers.advance(5000);
  expect(hosts.slice(1).map((h) => h.router.state)).toEqual(["MASTER", "BACKUP"]);
  const next = lan.log.filter((p) => p.from.startsWith("192.0.2.2/"));
  expect(seqOf(next[0]!.bytes)).toBeGreaterThan(last);
  expect(hosts.slice(1).map((h) => h.drops())).toEqual([{}, {}]);
});

test("a router with another AH key is heard by nobody, and hears nobody: its drops say why", () => {
  const timers = new FakeTimers();
  const lan = new FakeLan((deliver) => timers.setTimeout(deliver, 0.2));
  const hosts = [host(lan, timers, "192.0.2.1", 150), host(lan, timers, "192.0.2.2", 100, "another")];
  for (const h of hosts) h.driver.start();
  timers.advance(6000);
  expect(hosts.map((h) => h.router.state)).toEqual(["MASTER", "MASTER"]);
  expect(hosts[0]!.drops()).toMatchObject({ "ah-bad-icv": expect.any(Number) });
  expect(hosts[1]!.drops()).toMatchObject({ "ah-bad-icv": expect.any(Number) });
  expect(hosts[1]!.lines.some((l) => l.includes("dropped: IPsec AH check value mismatch"))).toBe(true);
});

test("a reload that turns AH on swaps the plain transport for an AH one, and the pair carries on", () => {
  const timers = new FakeTimers();
  const lan = new FakeLan((deliver) => timers.setTimeout(deliver, 0.2));
  const hosts = [host(lan, timers, "192.0.2.1", 150, null), host(lan, timers, "192.0.2.2", 100, null)];
  for (const h of hosts) h.driver.start();
  timers.advance(6000);
  expect(hosts.map((h) => h.router.state)).toEqual(["MASTER", "BACKUP"]);
  expect(lan.log.at(-1)!.bytes[0]! >> 4).toBe(2); // a bare VRRP message: the kernel adds the IP header

  for (const h of hosts) {
    const { config, plan } = settings(h.address, h.router.config.priority, "Aa123456");
    h.driver.reload([plan], { instances: [config], syncGroups: [] }, new Map());
  }
  const sentBefore = lan.log.length;
  timers.advance(3000);
  expect(hosts.map((h) => h.router.state)).toEqual(["MASTER", "BACKUP"]);
  const after = lan.log.slice(sentBefore);
  expect(after.length).toBeGreaterThan(0);
  expect(after.every((p) => p.bytes[9] === IPPROTO_AH)).toBe(true);
  expect(lan.openCount).toBe(2); // the plain transports were closed
  expect(hosts.map((h) => h.drops())).toEqual([{}, {}]);
});
