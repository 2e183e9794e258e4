// The in-memory fakes behave like the Linux adapters they stand in for (the address manager through the same
// contract suite the rtnetlink adapter passes in test/netns/netlink-adapter.root.test.ts).
import { describe, expect, test } from "bun:test";
import type { LinkEvent } from "../../src/adapters/address-manager.ts";
import type { ReceivedPacket } from "../../src/adapters/vrrp-transport.ts";
import { AdvertDecoder, encodeAdvert } from "../../src/vrrp/advert.ts";
import { formatIp, parseIp } from "../../src/vrrp/ip-address.ts";
import { addressManagerContract } from "./address-manager-contract.ts";
import { FakeAnnouncer } from "./fake-announcer.ts";
import { FakeNetlink } from "./fake-netlink.ts";
import { FakeLan } from "./fake-vrrp-transport.ts";

const eth0 = { ifindex: 2, name: "eth0", mac: new Uint8Array([2, 0, 0, 0, 0, 1]), mtu: 1500, up: true, carrier: true };

describe("FakeNetlink", () => {
  test("passes the AddressManager contract", async () => {
    expect(await addressManagerContract(new FakeNetlink([eth0]), "eth0")).toEqual([]);
  });

  test("reports link, address and resync events like the Linux monitor", async () => {
    const nl = new FakeNetlink([eth0]);
    const events: LinkEvent[] = [];
    const monitor = nl.start((e) => events.push(e));
    nl.setLink(2, { carrier: false });
    nl.addAddress({ ifindex: 2, address: parseIp("192.0.2.1")!, prefixlen: 24 });
    nl.overflow();
    nl.removeLink(2);
    await monitor.close();
    nl.addLink(eth0);
    expect(events.map((e) => e.type)).toEqual(["link", "address-added", "resync", "address-removed", "link-removed"]);
    expect(events[0]).toMatchObject({ link: { carrier: false, up: true } });
  });
});

describe("FakeLan", () => {
  test("multicast reaches every other transport of the family; unicast only its target; TTL as configured", () => {
    const lan = new FakeLan();
    const got: Array<[string, string, number]> = [];
    const rec = (who: string) => (p: ReceivedPacket) => got.push([who, formatIp(p.src), p.ttl]);
    const a = lan.host("a", { 4: parseIp("192.0.2.1")! }).open({ ifname: "eth0", family: 4 }, rec("a"));
    lan.host("b", { 4: parseIp("192.0.2.2")! }).open({ ifname: "eth0", family: 4 }, rec("b"));
    lan.host("c", { 4: parseIp("192.0.2.3")! }).open({ ifname: "eth0", family: 4 }, rec("c"));
    const buf = new Uint8Array(64);
    const fields = {
      version: 3 as const,
      vrid: 1,
      priority: 100,
      advertIntervalCs: 100,
      addresses: [parseIp("192.0.2.100")!],
      authType: 0,
      authData: new Uint8Array(8),
    };
    const group = parseIp("224.0.0.18")!;
    a.send(buf, encodeAdvert(buf, fields, 4, a.source, group), group);
    expect(got).toEqual([
      ["b", "192.0.2.1", 255],
      ["c", "192.0.2.1", 255],
    ]);
    got.length = 0;
    lan.ttl = 64;
    a.send(buf, encodeAdvert(buf, fields, 4, a.source, parseIp("192.0.2.3")!), parseIp("192.0.2.3")!);
    expect(got).toEqual([["c", "192.0.2.1", 64]]);
    const p = lan.log.at(-1)!;
    expect(new AdvertDecoder().decode(p.bytes, 0, p.bytes.length, 4, p.src, p.dst, 255).ok).toBe(true);
  });

  test("close detaches; sending after close fails like a closed socket", async () => {
    const lan = new FakeLan();
    const t = lan.host("a", { 6: parseIp("fe80::1")! }).open({ ifname: "eth0", family: 6 }, () => undefined);
    expect(lan.openCount).toBe(1);
    await t.close();
    expect(lan.openCount).toBe(0);
    expect(() => t.send(new Uint8Array(8), 8, parseIp("ff02::12")!)).toThrow(/EBADF/);
    expect(() => lan.host("b", {}).open({ ifname: "eth0", family: 4 }, () => undefined)).toThrow(/EADDRNOTAVAIL/);
  });
});

test("FakeAnnouncer records announcements with keepalived's defaults", async () => {
  const a = new FakeAnnouncer();
  expect(await a.announce("eth0", [parseIp("192.0.2.100")!, parseIp("2001:db8::100")!])).toBe(10);
  expect(a.announced[0]!.options).toEqual({ repeat: 5, intervalMs: 0 });
});
