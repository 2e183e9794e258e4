import { describe, expect, test } from "bun:test";
import type { NotifyScripts } from "../../src/notify/notify-plan.ts";
import { Driver, type NotifySink } from "../../src/daemon/driver.ts";
import type { InstancePlan } from "../../src/daemon/plan.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import { DEFAULT_GARP } from "../../src/vrrp/instance-config.ts";
import { VrrpNode } from "../../src/vrrp/node.ts";
import { instance, ip } from "../vrrp/fixtures.ts";
import { FakeAnnouncer } from "../adapters/fake-announcer.ts";
import { FakeNetlink } from "../adapters/fake-netlink.ts";
import { FakeLan } from "../adapters/fake-vrrp-transport.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { formatIp } from "../../src/vrrp/ip-address.ts";
import { FakeNoAcceptFilter } from "../adapters/fake-no-accept-filter.ts";
import type { TrackerConfig } from "../../src/vrrp/tracking.ts";

const LAN_DELAY_MS = 0.2;
const ETH0 = { ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true };

/** The fake kernel of one host, with a log of the address changes the driver made. */
function hostKernel() {
  const netlink = new FakeNetlink([ETH0]);
  const log: string[] = [];
  // A tap on the fake kernel's events; the fake reports trouble only when a test overflows it.
  netlink.start(
    (event) => {
      if (event.type === "address-added") log.push(`add ${formatIp(event.address.address)}/${event.address.prefixlen}`);
      if (event.type === "address-removed") log.push(`del ${formatIp(event.address.address)}/${event.address.prefixlen}`);
    },
    () => undefined,
  );
  const held = () => netlink.addresses(4, 2).map((a) => `${formatIp(a.address)}/${a.prefixlen}`);
  return { netlink, log, held };
}

const VIP = ip("192.0.2.100");
const GROUP = ip("224.0.0.18");

function host(lan: FakeLan, timers: FakeTimers, name: string, address: string, priority: number, trackers: TrackerConfig[] = []) {
  const config = instance({
    version: 3,
    advertIntervalCs: 10,
    priority,
    primaryAddress: ip(address),
    trackers: [{ name: "interface:eth0", kind: "status", weight: 0, reverse: false }, ...trackers],
  });
  const node = new VrrpNode({ instances: [config], syncGroups: [] });
  const kernel = hostKernel();
  const announcer = new FakeAnnouncer();
  const notifications: string[] = [];
  const notifier: NotifySink = {
    notify: (kind, n, state, prio, _scripts: NotifyScripts) => notifications.push(`${kind} ${n} ${state} ${prio}`),
  };
  const lines: string[] = [];
  const plan: InstancePlan = {
    name: "VI_1",
    ifname: "eth0",
    family: 4,
    destinations: [GROUP],
    addresses: [{ ifindex: 2, address: VIP, prefixlen: 24 }],
    announce: [{ ifname: "eth0", addresses: [VIP] }],
    announceIntervalMs: 0,
    blocked: [],
    routes: [],
    rules: [],
    notify: {},
  };
  const driver = new Driver({
    node,
    instances: [plan],
    groupNotify: new Map(),
    transports: lan.host(name, { 4: ip(address) }),
    addresses: kernel.netlink,
    noAccept: new FakeNoAcceptFilter(),
    announcer,
    notifier,
    logs: memoryLogs(lines),
    timers,
  });
  return { name, driver, node, kernel, announcer, notifications, lines, holds: () => kernel.held().length > 0 };
}

function cluster() {
  const timers = new FakeTimers();
  const lan = new FakeLan((deliver) => timers.setTimeout(deliver, LAN_DELAY_MS));
  const a = host(lan, timers, "a", "192.0.2.1", 150);
  const b = host(lan, timers, "b", "192.0.2.2", 100);
  a.driver.start();
  b.driver.start();
  timers.advance(2000);
  return { timers, lan, a, b };
}

/** Advances the fake clock in 1 ms steps while `promise` is pending, recording who holds the VIP. */
async function runWhile(timers: FakeTimers, promise: Promise<void>, each: () => void, maxMs = 10_000) {
  let done = false;
  void promise.then(() => (done = true));
  for (let t = 0; t < maxMs && !done; t++) {
    timers.advance(1);
    each();
    await Promise.resolve();
  }
  await promise;
}

test("election: the higher priority holds the VIP, announces it, and notifies", () => {
  const { a, b } = cluster();
  expect(a.node.router("VI_1")!.state).toBe("MASTER");
  expect(b.node.router("VI_1")!.state).toBe("BACKUP");
  expect([a.holds(), b.holds()]).toEqual([true, false]);
  expect(a.announcer.announced.map((x) => `${x.ifname} ${x.addresses.map((b) => formatIp(b)).join(",")} x${x.options.repeat}`)).toEqual([
    "eth0 192.0.2.100 x5",
  ]);
  expect(a.notifications).toEqual(["INSTANCE VI_1 BACKUP 150", "INSTANCE VI_1 MASTER 150"]);
  expect(b.notifications).toEqual(["INSTANCE VI_1 BACKUP 100"]);
  expect(a.lines.some((l) => l.includes("(VI_1) Entering MASTER STATE from BACKUP (no advert within Master_Down_Interval)"))).toBe(true);
});

test("the log says what happened in keepalived's words: states, VIPs, one line per announcement burst, a priority's cause", async () => {
  const timers = new FakeTimers();
  const lan = new FakeLan((deliver) => timers.setTimeout(deliver, LAN_DELAY_MS));
  const a = host(lan, timers, "a", "192.0.2.1", 150, [{ name: "script:chk", kind: "status", weight: -60, reverse: false }]);
  const b = host(lan, timers, "b", "192.0.2.2", 100);
  a.driver.start();
  b.driver.start();
  timers.advance(2000);
  await Bun.sleep(0); // the VIP and announcement lines come after the takeover's sends
  const said = (h: typeof a) =>
    h.lines.filter((l) => l.startsWith("info vrrp:VI_1: (VI_1)")).map((l) => l.slice("info vrrp:VI_1: ".length));
  expect(said(a)).toEqual([
    "(VI_1) Entering BACKUP STATE from INIT (startup), priority 150",
    "(VI_1) Entering MASTER STATE from BACKUP (no advert within Master_Down_Interval), priority 150",
    "(VI_1) Setting VIPs: 192.0.2.100/24",
    "(VI_1) Sending gratuitous ARP on eth0 for 192.0.2.100; 5 frames sent",
  ]);
  a.lines.length = 0;
  a.driver.trackerChanged("script:chk", false);
  a.driver.trackerChanged("script:chk", false); // no change, no line
  expect(said(a)).toEqual(["(VI_1) Changing effective priority from 150 to 90 (script:chk is down)"]);
  timers.advance(1000);
  await Bun.sleep(0);
  expect(said(a)).toContain("(VI_1) Removing VIPs: 192.0.2.100/24");
  expect(said(a).some((l) => l.startsWith("(VI_1) Entering BACKUP STATE from MASTER ("))).toBe(true);
  // One line per burst, never one per frame: as many lines as bursts.
  const bursts = b.lines.filter((l) => l.includes("Sending gratuitous ARP on eth0 for 192.0.2.100;"));
  expect(b.node.router("VI_1")!.state).toBe("MASTER");
  expect(bursts.length).toBe(b.announcer.announced.length);
  expect(b.announcer.frames.length).toBeGreaterThan(bursts.length);
});

test("hard failure: the master's link goes down, the backup takes over within Master_Down_Interval", () => {
  const { timers, a, b } = cluster();
  // The link is gone: a's sockets neither send nor receive, and its kernel reports the carrier loss.
  a.driver.dropTransports("eth0");
  a.kernel.netlink.setLink(2, { carrier: false });
  a.driver.trackerChanged("interface:eth0", false);
  expect(a.node.router("VI_1")!.state).toBe("FAULT");
  expect(a.holds()).toBe(false);
  const mdi = b.node.router("VI_1")!.masterDownIntervalMs;
  timers.advance(mdi + 1);
  expect(b.node.router("VI_1")!.state).toBe("MASTER");
  expect(b.holds()).toBe(true);
});

test("graceful stop with handover: some host holds the VIP at every millisecond", async () => {
  const { timers, a, b } = cluster();
  const gaps: number[] = [];
  await runWhile(timers, a.driver.stop(true, 5000), () => {
    if (!a.holds() && !b.holds()) gaps.push(timers.now());
  });
  expect(gaps).toEqual([]);
  expect(b.node.router("VI_1")!.state).toBe("MASTER");
  expect(a.holds()).toBe(false);
  expect(a.notifications.at(-1)).toBe("INSTANCE VI_1 STOP 150");
});

test("planned handover (vipd handover): no gap, the old master held BACKUP while the new one lives, and back after --undo", () => {
  const { timers, a, b } = cluster();
  a.driver.dispatch({ type: "Handover", instance: "VI_1", undo: false });
  const gaps: number[] = [];
  for (let t = 0; t < 3000; t++) {
    timers.advance(1);
    if (!a.holds() && !b.holds()) gaps.push(timers.now());
  }
  expect(gaps).toEqual([]);
  expect([a.node.router("VI_1")!.state, b.node.router("VI_1")!.state]).toEqual(["BACKUP", "MASTER"]);
  expect(a.notifications.at(-1)).toBe("INSTANCE VI_1 BACKUP 150");
  // a outranks b (150 > 100) yet stays BACKUP: held until undone.
  timers.advance(10_000);
  expect([a.node.router("VI_1")!.state, a.node.router("VI_1")!.held]).toEqual(["BACKUP", true]);
  a.driver.dispatch({ type: "Handover", instance: "VI_1", undo: true });
  timers.advance(5000);
  expect([a.node.router("VI_1")!.state, b.node.router("VI_1")!.state]).toEqual(["MASTER", "BACKUP"]);
});

test("immediate release (keepalived's way) leaves a gap of about the backup's skew time", async () => {
  const { timers, a, b } = cluster();
  let releasedAt = NaN;
  const watch = () => {
    if (Number.isNaN(releasedAt) && !a.holds()) releasedAt = timers.now();
  };
  const stopping = a.driver.stop(false, 5000);
  watch(); // without handover the VIP is released at once, before stop()'s first await
  expect(releasedAt).toBe(timers.now());
  await runWhile(timers, stopping, watch);
  for (let t = 0; t < 1000 && !b.holds(); t++) timers.advance(1);
  const gapMs = timers.now() - releasedAt;
  const skew = b.node.router("VI_1")!.skewTimeMs;
  expect(gapMs).toBeGreaterThanOrEqual(Math.floor(skew));
  expect(gapMs).toBeLessThanOrEqual(Math.ceil(skew) + 2);
});

test("a VIP removed behind the daemon's back while MASTER is restored and logged", () => {
  const { a } = cluster();
  a.kernel.netlink.deleteAddress({ ifindex: 2, address: VIP, prefixlen: 24 });
  a.driver.onLinkEvent(
    { type: "address-removed", address: { family: 4, ifindex: 2, address: VIP, prefixlen: 24, scope: 0, label: "", flags: 0 } },
    () => "eth0",
  );
  expect(a.holds()).toBe(true);
  expect(a.lines.some((l) => l.startsWith("warn vrrp:VI_1: VIP 192.0.2.100/24 on eth0 was removed by someone else"))).toBe(true);
});

test("after lost netlink events (resync), link states are taken afresh and missing VIPs restored", () => {
  const { a } = cluster();
  a.kernel.netlink.deleteAddress({ ifindex: 2, address: VIP, prefixlen: 24 });
  const down = { ...ETH0, carrier: false };
  // The dump says: the VIP is gone (someone removed it while events were lost) and the link is fine.
  a.driver.onLinkEvent({ type: "resync", links: [ETH0], addresses: [] }, () => "eth0");
  expect(a.holds()).toBe(true);
  expect(a.lines.some((l) => l.includes("went missing while events were lost; restoring it"))).toBe(true);
  // And a link that went down meanwhile is FAULT now.
  a.driver.onLinkEvent({ type: "resync", links: [down], addresses: a.kernel.netlink.addresses(4) }, () => "eth0");
  expect(a.node.router("VI_1")!.state).toBe("FAULT");
});

test("link events feed the interface tracker: down is FAULT, up is BACKUP again", () => {
  const { timers, a } = cluster();
  const link = { ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: false };
  a.driver.onLinkEvent({ type: "link", link, change: "changed" }, () => "eth0");
  expect(a.node.router("VI_1")!.state).toBe("FAULT");
  a.driver.onLinkEvent({ type: "link", link: { ...link, carrier: true }, change: "changed" }, () => "eth0");
  expect(a.node.router("VI_1")!.state).toBe("BACKUP");
  timers.advance(2000);
  expect(a.node.router("VI_1")!.state).toBe("MASTER");
});

test("interface_up_down_delays: a carrier loss shorter than the down delay changes nothing; a longer one is FAULT", () => {
  const { timers, a } = cluster();
  timers.advance(2000);
  expect(a.node.router("VI_1")!.state).toBe("MASTER");
  a.driver.setLinkDelays(new Map([["eth0", { downMs: 150, upMs: 0 }]]));
  const link = { ...ETH0, carrier: false };
  a.driver.onLinkEvent({ type: "link", link, change: "changed" }, () => "eth0");
  timers.advance(100);
  a.driver.onLinkEvent({ type: "link", link: ETH0, change: "changed" }, () => "eth0");
  timers.advance(1000);
  expect(a.node.router("VI_1")!.state).toBe("MASTER");
  a.driver.onLinkEvent({ type: "link", link, change: "changed" }, () => "eth0");
  timers.advance(149);
  expect(a.node.router("VI_1")!.state).toBe("MASTER");
  timers.advance(1);
  expect(a.node.router("VI_1")!.state).toBe("FAULT");
});

test("a link event rebuilds the announcements on that interface (its MAC may have changed), and only those", () => {
  const { a } = cluster();
  const link = { ifindex: 3, name: "eth1", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true };
  a.driver.onLinkEvent({ type: "link", link, change: "changed" }, () => "eth1");
  expect(a.announcer.refreshed).toEqual([]);
  a.driver.onLinkEvent({ type: "link", link: { ...link, ifindex: 2, name: "eth0" }, change: "changed" }, () => "eth0");
  a.driver.onLinkEvent({ type: "link-removed", ifindex: 2, name: "eth0" }, () => "eth0");
  a.driver.onLinkEvent({ type: "resync", links: [{ ...link, ifindex: 2, name: "eth0" }], addresses: [] }, () => "eth0");
  expect(a.announcer.refreshed).toEqual(["eth0", "eth0", "eth0"]);
});

describe("reload", () => {
  function planFor(vips: string[], name = "VI_1"): InstancePlan {
    return {
      name,
      ifname: "eth0",
      family: 4,
      destinations: [GROUP],
      addresses: vips.map((v) => ({ ifindex: 2, address: ip(v), prefixlen: 24 })),
      announce: [{ ifname: "eth0", addresses: vips.map(ip) }],
      announceIntervalMs: 0,
      blocked: [],
      routes: [],
      rules: [],
      notify: {},
    };
  }
  function configFor(vips: string[], priority = 150, name = "VI_1") {
    return instance({
      name,
      version: 3,
      advertIntervalCs: 10,
      priority,
      vips,
      primaryAddress: ip("192.0.2.1"),
      trackers: [{ name: "interface:eth0", kind: "status", weight: 0, reverse: false }],
    });
  }

  test("garp_extra_if: a MASTER refreshes its VIPs on their other interfaces only, from the reload that sets it", () => {
    const { timers, a } = cluster();
    const plan = {
      ...planFor(["192.0.2.100"]),
      announce: [
        { ifname: "eth0", addresses: [ip("192.0.2.100")] },
        { ifname: "eth1", addresses: [ip("198.51.100.7")] },
      ],
    };
    const config = { ...configFor(["192.0.2.100"]), garp: { ...DEFAULT_GARP, extraInterfacesRefreshMs: 1000 } };
    a.driver.reload([plan], { instances: [config], syncGroups: [] }, new Map());
    a.announcer.announced.length = 0;
    timers.advance(2500);
    expect(a.announcer.announced.map((x) => [x.ifname, x.options.repeat])).toEqual([
      ["eth1", 1],
      ["eth1", 1],
    ]);
  });

  test("adding a VIP and changing the priority: the kept VIP is never removed, the new one is added", () => {
    const { a } = cluster();
    a.kernel.log.length = 0;
    const summary = a.driver.reload(
      [planFor(["192.0.2.100", "192.0.2.101"])],
      { instances: [configFor(["192.0.2.100", "192.0.2.101"], 140)], syncGroups: [] },
      new Map(),
    );
    expect(summary.kept).toEqual([{ from: "VI_1", to: "VI_1" }]);
    expect(a.kernel.log).toEqual(["add 192.0.2.101/24"]);
    expect(a.node.router("VI_1")!.state).toBe("MASTER");
    expect(a.node.router("VI_1")!.priority).toBe(140);
  });

  test("removing a VIP removes only that one", () => {
    const { a } = cluster();
    a.driver.reload(
      [planFor(["192.0.2.100", "192.0.2.101"])],
      { instances: [configFor(["192.0.2.100", "192.0.2.101"])], syncGroups: [] },
      new Map(),
    );
    a.kernel.log.length = 0;
    a.driver.reload([planFor(["192.0.2.101"])], { instances: [configFor(["192.0.2.101"])], syncGroups: [] }, new Map());
    expect(a.kernel.log).toEqual(["del 192.0.2.100/24"]);
    expect(a.kernel.held()).toEqual(["192.0.2.101/24"]);
  });

  test("a config the core refuses changes nothing on the host", () => {
    const { a } = cluster();
    a.kernel.log.length = 0;
    const bad = { instances: [configFor(["192.0.2.100", "192.0.2.102"]), configFor(["192.0.2.103"], 100, "VI_2")], syncGroups: [] };
    expect(() => a.driver.reload([planFor(["192.0.2.100", "192.0.2.102"]), planFor(["192.0.2.103"], "VI_2")], bad, new Map())).toThrow(
      "used twice",
    );
    expect(a.kernel.held()).toEqual(["192.0.2.100/24"]);
    expect(a.node.router("VI_1")!.state).toBe("MASTER");
  });

  test("a removed instance releases its VIPs and stops; the backup takes over", () => {
    const { timers, a, b } = cluster();
    a.driver.reload(
      [planFor(["192.0.2.50"], "OTHER")],
      { instances: [{ ...configFor(["192.0.2.50"], 150, "OTHER"), vrid: 77 }], syncGroups: [] },
      new Map(),
    );
    expect(a.kernel.held()).not.toContain("192.0.2.100/24");
    expect(a.notifications).toContain("INSTANCE VI_1 STOP 150");
    timers.advance(1000);
    expect(b.node.router("VI_1")!.state).toBe("MASTER");
  });
});
