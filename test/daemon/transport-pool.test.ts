import { expect, test } from "bun:test";
import { memoryLogs } from "../../src/daemon/log.ts";
import { TransportPool } from "../../src/daemon/transport-pool.ts";
import { FakeLan } from "../adapters/fake-vrrp-transport.ts";
import { ip } from "../vrrp/fixtures.ts";

function pool() {
  const lan = new FakeLan();
  const lines: string[] = [];
  return { lan, lines, pool: new TransportPool(lan.host("a", { 4: ip("192.0.2.1"), 6: ip("fe80::1") }), memoryLogs(lines)("vrrp")) };
}

const ignore = () => undefined;

test("one transport per interface and family, shared by every instance on it", () => {
  const { lan, pool: p } = pool();
  const a = p.get({ ifname: "eth0", family: 4 }, ignore);
  expect(p.get({ ifname: "eth0", family: 4 }, ignore)).toBe(a);
  const v6 = p.get({ ifname: "eth0", family: 6 }, ignore);
  const other = p.get({ ifname: "eth1", family: 4 }, ignore);
  expect(new Set([a, v6, other]).size).toBe(3);
  expect(lan.openCount).toBe(3);
  expect(p.stats().map((s) => `${s.ifname}/${s.family}`)).toEqual(["eth0/4", "eth0/6", "eth1/4"]);
});

test("an interface that is gone loses its transports (logged); the next get opens a new one", async () => {
  const { lan, lines, pool: p } = pool();
  const old = p.get({ ifname: "eth0", family: 4 }, ignore);
  p.get({ ifname: "eth1", family: 4 }, ignore);
  p.dropInterface("eth0");
  expect(p.has(old)).toBe(false);
  expect(lines.join("\n")).toContain("interface eth0 is gone: its VRRP sockets are closed until it returns");
  await Bun.sleep(0);
  expect(lan.openCount).toBe(1);
  const fresh = p.get({ ifname: "eth0", family: 4 }, ignore);
  expect(fresh).not.toBe(old);
  expect(p.has(fresh)).toBe(true);
});

test("closeUnused keeps only the transports still used; closeAll closes the rest", async () => {
  const { lan, pool: p } = pool();
  const used = p.get({ ifname: "eth0", family: 4 }, ignore);
  p.get({ ifname: "eth1", family: 4 }, ignore);
  p.closeUnused(new Set([used]));
  await Bun.sleep(0);
  expect(lan.openCount).toBe(1);
  expect(p.has(used)).toBe(true);
  await p.closeAll();
  expect(lan.openCount).toBe(0);
  expect(p.stats()).toEqual([]);
});

test("an IPsec AH instance gets a transport of its own beside the plain one on the same interface", () => {
  const { lan, pool: p } = pool();
  const plain = p.get({ ifname: "eth0", family: 4 }, ignore);
  const ah = p.get({ ifname: "eth0", family: 4, ipsecAh: true }, ignore);
  expect(ah).not.toBe(plain);
  expect(p.get({ ifname: "eth0", family: 4, ipsecAh: true }, ignore)).toBe(ah);
  expect([p.find("eth0", 4), p.find("eth0", 4, true)]).toEqual([plain, ah]);
  expect(lan.openCount).toBe(2);
  expect(p.stats().map((s) => ("ipsecAh" in s ? `${s.ifname}/${s.family}/ah` : `${s.ifname}/${s.family}`))).toEqual([
    "eth0/4",
    "eth0/4/ah",
  ]);
});
