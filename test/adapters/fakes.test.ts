// The in-memory fakes behave like the Linux adapters they stand in for (the address manager through the same
// contract suite the rtnetlink adapter passes in test/netns/netlink-adapter.root.test.ts).
import { describe, expect, test } from "bun:test";
import type { AddressSpec, LinkEvent } from "../../src/adapters/address-manager.ts";
import type { ReceivedPacket } from "../../src/adapters/vrrp-transport.ts";
import { AdvertDecoder, encodeAdvert } from "../../src/vrrp/advert.ts";
import { timersAlarm } from "../../src/clock/alarm.ts";
import { formatIp, parseIp } from "../../src/vrrp/ip-address.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { addressManagerContract } from "./address-manager-contract.ts";
import { alarmContract } from "./alarm-contract.ts";
import { FakeAnnouncer } from "./fake-announcer.ts";
import { type AnnouncementFrame, macText, neighbourAnnouncerContract } from "./neighbour-announcer-contract.ts";
import { FakeMacvlanLinks } from "./fake-macvlan.ts";
import { FakeNetlink } from "./fake-netlink.ts";
import { macvlanLinksContract } from "./macvlan-links-contract.ts";
import { FakeLan } from "./fake-vrrp-transport.ts";
import { type LinkWorld, linkMonitorContract } from "./link-monitor-contract.ts";
import { localTransportHost, vrrpTransportAhContract, vrrpTransportContract } from "./vrrp-transport-contract.ts";

const eth0 = { ifindex: 2, name: "eth0", mac: new Uint8Array([2, 0, 0, 0, 0, 1]), mtu: 1500, up: true, carrier: true };

/** What the kernel would do to FakeNetlink's links: its test controls, with a cable per link. */
function fakeLinkWorld(nl: FakeNetlink): LinkWorld {
  const ifindexes = new Map<string, number>();
  const cables = new Map<string, boolean>();
  let nextIndex = 10;
  const ifindex = (name: string) => ifindexes.get(name) ?? -1;
  const spec = (name: string, prefix: string): AddressSpec => {
    const [address, length] = prefix.split("/");
    return { ifindex: ifindex(name), address: parseIp(address!)!, prefixlen: Number(length), nodad: true };
  };
  const isUp = (name: string) => nl.links().find((l) => l.name === name)?.up ?? false;
  return {
    async addLink(name) {
      ifindexes.set(name, nextIndex++);
      cables.set(name, true);
      nl.addLink({
        ifindex: ifindex(name),
        name,
        mac: new Uint8Array([2, 0, 0, 0, 0, ifindex(name)]),
        mtu: 1500,
        up: false,
        carrier: false,
      });
    },
    async setUp(name, up) {
      nl.setLink(ifindex(name), { up, carrier: up && cables.get(name) === true });
    },
    async setCarrier(name, on) {
      cables.set(name, on);
      nl.setLink(ifindex(name), { carrier: on && isUp(name) });
    },
    addAddress: async (name, prefix) => nl.addAddress(spec(name, prefix)),
    deleteAddress: async (name, prefix) => nl.deleteAddress(spec(name, prefix)),
    removeLink: async (name) => nl.removeLink(ifindex(name)),
    deliveryMs: 0,
    quietMs: 0,
  };
}

describe("FakeNetlink", () => {
  test("passes the LinkMonitorFactory contract", async () => {
    const nl = new FakeNetlink([eth0]);
    expect(await linkMonitorContract(nl, fakeLinkWorld(nl))).toEqual([]);
  });

  test("passes the AddressManager contract", async () => {
    expect(await addressManagerContract(new FakeNetlink([eth0]), "eth0")).toEqual([]);
  });

  test("reports link, address and resync events like the Linux monitor", async () => {
    const nl = new FakeNetlink([eth0]);
    const events: LinkEvent[] = [];
    const trouble: string[] = [];
    const monitor = nl.start(
      (e) => events.push(e),
      (m) => trouble.push(m),
    );
    nl.setLink(2, { carrier: false });
    nl.addAddress({ ifindex: 2, address: parseIp("192.0.2.1")!, prefixlen: 24 });
    nl.overflow();
    nl.removeLink(2);
    await monitor.close();
    nl.addLink(eth0);
    expect(events.map((e) => e.type)).toEqual(["link", "address-added", "resync", "address-removed", "link-removed"]);
    expect(events[0]).toMatchObject({ link: { carrier: false, up: true } });
    expect(trouble).toEqual([expect.stringContaining("events lost")]);
  });
});

describe("FakeMacvlanLinks", () => {
  test("passes the MacvlanLinks contract", async () => {
    expect(await macvlanLinksContract(new FakeMacvlanLinks(new FakeNetlink([eth0])), eth0.ifindex)).toEqual([]);
  });
});

describe("FakeLan", () => {
  test.each([4, 6] as const)("passes the VrrpTransportFactory contract over IPv%d", async (family) => {
    const lan = new FakeLan();
    const a = lan.host("a", { 4: parseIp("192.0.2.10")!, 6: parseIp("fe80::a")! });
    const b = lan.host("b", { 4: parseIp("192.0.2.11")!, 6: parseIp("fe80::b")! });
    const link = {
      a: localTransportHost(a),
      b: localTransportHost(b),
      ifname: "eth0",
      deliveryMs: 0,
      quietMs: 0,
      setLinkB: async (state: "up" | "down") => (state === "up" ? lan.linkUp("b", "eth0") : lan.linkDown("b", "eth0")),
      recoverMs: 0,
    };
    expect(await vrrpTransportContract(link, family)).toEqual([]);
    expect(lan.openCount).toBe(0);
  });

  test("passes the IPsec AH transport contract", async () => {
    const lan = new FakeLan();
    const link = {
      a: localTransportHost(lan.host("a", { 4: parseIp("192.0.2.10")! })),
      b: localTransportHost(lan.host("b", { 4: parseIp("192.0.2.11")! })),
      ifname: "eth0",
      deliveryMs: 0,
      quietMs: 0,
      setLinkB: async () => {},
      recoverMs: 0,
    };
    expect(await vrrpTransportAhContract(link)).toEqual([]);
    expect(lan.openCount).toBe(0);
  });

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

describe("FakeAnnouncer", () => {
  test("passes the NeighbourAnnouncer contract", async () => {
    const macs = new Map([["eth0", "02:00:5e:10:00:0a"]]);
    const a = new FakeAnnouncer((ifname) => {
      const mac = macs.get(ifname);
      return mac ? Uint8Array.from(mac.split(":"), (x) => Number.parseInt(x, 16)) : undefined;
    });
    const world = {
      ifname: "eth0",
      mac: async () => macs.get("eth0")!,
      setMac: async (mac: string) => void macs.set("eth0", mac),
      async framesDuring(_count: number, action: () => Promise<unknown>): Promise<AnnouncementFrame[]> {
        const from = a.frames.length;
        await action();
        return a.frames.slice(from).map((f) => {
          const mac = macText(f.mac);
          return { kind: f.address.length === 4 ? "arp" : "na", ethSource: mac, announcedMac: mac, target: formatIp(f.address) };
        });
      },
    };
    expect(await neighbourAnnouncerContract(a, world)).toEqual([]);
  });
});

test("FakeAnnouncer records announcements with keepalived's defaults", async () => {
  const a = new FakeAnnouncer();
  expect(await a.announce("eth0", [parseIp("192.0.2.100")!, parseIp("2001:db8::100")!])).toBe(10);
  expect(a.announced[0]!.options).toEqual({ repeat: 5, intervalMs: 0 });
});

test("the alarm over the fake clock passes the AlarmFactory contract", async () => {
  const timers = new FakeTimers();
  expect(await alarmContract(timersAlarm(timers), { now: () => timers.now(), pass: async (ms) => timers.advance(ms) })).toEqual([]);
});
