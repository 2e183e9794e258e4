// What the driver does when something throws: never stop the scheduler or the other instances; a failing
// instance goes to FAULT with the reason; a core that threw is abandoned (priority 0, VIPs released) and the
// daemon told to exit.

import { expect, test } from "bun:test";
import type { Announcement, NeighbourAnnouncer } from "../../src/adapters/neighbour-announcer.ts";
import { Driver } from "../../src/daemon/driver.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import type { InstancePlan } from "../../src/daemon/plan.ts";
import { formatIp } from "../../src/vrrp/ip-address.ts";
import { VrrpNode } from "../../src/vrrp/node.ts";
import { FakeNetlink } from "../adapters/fake-netlink.ts";
import { FakeLan } from "../adapters/fake-vrrp-transport.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { instance, ip } from "../vrrp/fixtures.ts";
import { FakeNoAcceptFilter } from "../adapters/fake-no-accept-filter.ts";

const ETH0 = { ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true };
/** VRRPv3, 1 s adverts, priority 100: Master_Down_Interval 3 s + 156/256 s. */
const MDI = 3000 + (156 / 256) * 1000;

function plan(name: string, vip: string): InstancePlan {
  return {
    name,
    ifname: "eth0",
    family: 4,
    destinations: [ip("224.0.0.18")],
    addresses: [{ ifindex: 2, address: ip(vip), prefixlen: 24 }],
    announce: [{ ifname: "eth0", addresses: [ip(vip)] }],
    announceIntervalMs: 0,
    blocked: [],
    routes: [],
    rules: [],
    notify: {},
  };
}

/** An announcer whose announcement of `broken` throws at once: a bug in an adapter, not a refused syscall. */
function announcer(broken: string): NeighbourAnnouncer {
  const prepare = (_ifname: string, addresses: readonly Uint8Array[]): Announcement => ({
    send: async () => 1,
    refresh: () => undefined,
    ...(formatIp(addresses[0]!) === broken
      ? {
          send: () => {
            throw new TypeError("frame builder bug");
          },
        }
      : {}),
  });
  return { prepare, announce: async () => 0, close: () => undefined };
}

function setup(options: { brokenVip?: string; onFatal?: (error: unknown) => void } = {}) {
  const timers = new FakeTimers();
  const netlink = new FakeNetlink([ETH0]);
  const node = new VrrpNode({ instances: [instance({ name: "VI_1", vrid: 1 }), instance({ name: "VI_2", vrid: 2 })], syncGroups: [] });
  const lines: string[] = [];
  const lan = new FakeLan();
  const driver = new Driver({
    node,
    instances: [plan("VI_1", "192.0.2.10"), plan("VI_2", "192.0.2.11")],
    groupNotify: new Map(),
    transports: lan.host("a", { 4: ip("192.0.2.1") }),
    addresses: netlink,
    noAccept: new FakeNoAcceptFilter(),
    announcer: announcer(options.brokenVip ?? "none"),
    notifier: { notify: () => undefined },
    logs: memoryLogs(lines),
    timers,
    onFatal: options.onFatal,
  });
  const held = () => netlink.addresses(4, 2).map((a) => formatIp(a.address));
  return { timers, node, driver, lines, held, lan };
}

test("an effect that throws puts its instance in FAULT with the reason; the other instance and the timer go on", () => {
  const s = setup({ brokenVip: "192.0.2.10" });
  s.driver.start();
  s.timers.advance(MDI + 1);
  const vi1 = s.node.router("VI_1")!;
  expect(vi1.state).toBe("FAULT");
  expect(vi1.driverFault).toContain("internal error carrying out SendGratuitous for VI_1: frame builder bug");
  expect(s.lines.some((l) => l.includes("internal error carrying out SendGratuitous for VI_1: TypeError: frame builder bug"))).toBe(true);
  expect(s.node.router("VI_2")!.state).toBe("MASTER");
  expect(s.held()).toEqual(["192.0.2.11"]);
  // The scheduler is still armed: VI_2 keeps advertising once a second.
  const before = s.lan.log.length;
  s.timers.advance(3000);
  expect(s.lan.log.length - before).toBe(3);
});

test("a core that throws is abandoned: onFatal once, priority 0 sent, VIPs released, nothing dispatched after", async () => {
  const fatal: unknown[] = [];
  const s = setup({ onFatal: (error) => fatal.push(error) });
  s.driver.start();
  s.timers.advance(MDI + 1);
  expect(s.held()).toEqual(["192.0.2.10", "192.0.2.11"]);
  const original = s.node.handle.bind(s.node);
  s.node.handle = (event, now, out) => {
    if (event.type === "TrackerChanged") throw new RangeError("core bug");
    original(event, now, out);
  };
  s.driver.trackerChanged("script:x", false);
  expect(fatal.length).toBe(1);
  expect(s.lines.some((l) => l.includes("internal error in the protocol core handling TrackerChanged: RangeError: core bug"))).toBe(true);
  s.driver.trackerChanged("script:x", false);
  expect(fatal.length).toBe(1);
  const sent = s.lan.log.length;
  await s.driver.abandon();
  const priorities = s.lan.log.slice(sent).map((p) => p.bytes[2]);
  expect(priorities).toEqual([0, 0]);
  expect(s.held()).toEqual([]);
});

test("abandoned without a core fault (an escaped exception): the removal of its own VIPs is not undone", async () => {
  const s = setup();
  s.driver.start();
  s.timers.advance(MDI + 1);
  expect(s.held()).toEqual(["192.0.2.10", "192.0.2.11"]);
  await s.driver.abandon();
  expect(s.held()).toEqual([]);
  // The kernel's notices of those removals arrive after: the core still calls the instances MASTER.
  expect(s.node.router("VI_1")!.state).toBe("MASTER");
  for (const vip of ["192.0.2.10", "192.0.2.11"])
    s.driver.onLinkEvent(
      { type: "address-removed", address: { family: 4, ifindex: 2, address: ip(vip), prefixlen: 24, scope: 0, label: "eth0", flags: 0 } },
      () => "eth0",
    );
  expect(s.held()).toEqual([]);
  expect(s.lines.some((l) => l.includes("removed by someone else"))).toBe(false);
});

test("a socket that stops receiving (IPv6 after a link flap) puts its instances in FAULT until it hears again", async () => {
  const timers = new FakeTimers();
  const node = new VrrpNode({
    instances: [
      instance({
        name: "V6",
        vrid: 6,
        family: 6,
        primaryAddress: ip("fe80::1"),
        multicastGroup: ip("ff02::12"),
        // Every instance tracks its socket (config/to-core.ts adds it).
        trackers: [{ name: "socket:eth0/IPv6", kind: "status", weight: 0, reverse: false }],
      }),
    ],
    syncGroups: [],
  });
  const lines: string[] = [];
  const lan = new FakeLan();
  const v6plan: InstancePlan = {
    ...plan("V6", "192.0.2.10"),
    family: 6,
    destinations: [ip("ff02::12")],
    addresses: [{ ifindex: 2, address: ip("2001:db8::10"), prefixlen: 64 }],
    announce: [{ ifname: "eth0", addresses: [ip("2001:db8::10")] }],
  };
  const driver = new Driver({
    node,
    instances: [v6plan],
    groupNotify: new Map(),
    transports: lan.host("a", { 6: ip("fe80::1") }),
    addresses: new FakeNetlink([ETH0]),
    noAccept: new FakeNoAcceptFilter(),
    announcer: announcer("none"),
    notifier: { notify: () => undefined },
    logs: memoryLogs(lines),
    timers,
  });
  driver.start();
  timers.advance(MDI + 1);
  expect(node.router("V6")!.state).toBe("MASTER");
  lan.linkDown("a", "eth0");
  await Bun.sleep(0);
  expect(node.router("V6")!.state).toBe("FAULT");
  expect(node.router("V6")!.ownFault).toBe("socket:eth0/IPv6");
  expect(lines.some((l) => l.includes("ENETDOWN"))).toBe(true);
  lan.linkUp("a", "eth0");
  await Bun.sleep(0);
  expect(node.router("V6")!.state).toBe("BACKUP");
  timers.advance(MDI + 1);
  expect(node.router("V6")!.state).toBe("MASTER");
});
