// The rtnetlink adapter in a lab host: link dump, address / route / rule add and delete as `ip` sees them, and
// the event monitor (link up/down and carrier, links appearing and going, addresses added and deleted, resync
// after ENOBUFS) with its latency.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Agent, type Json } from "./agent-client.ts";
import { Lab } from "./harness.ts";

let lab: Lab;
let agent: Agent;
let eth0 = 0;

beforeAll(async () => {
  lab = await Lab.create({ hosts: ["a", "b"], bridge: true });
  agent = await Agent.start(lab, "a");
  const links = (await agent.call("links")) as Json[];
  eth0 = links.find((l) => l.name === "eth0")!.ifindex;
}, 20_000);

afterAll(async () => {
  await agent?.stop();
  await lab?.destroy();
});

const ip = (...args: string[]) => lab.must("a", ["ip", ...args]);

describe("commands", () => {
  test("link dump: eth0 with its MAC, MTU, up and carrier; lo", async () => {
    const links = (await agent.call("links")) as Json[];
    expect(links.find((l) => l.name === "eth0")).toMatchObject({
      mac: lab.mac("a").replaceAll(":", ""),
      mtu: 1500,
      up: true,
      carrier: true,
    });
    expect(links.find((l) => l.name === "lo")).toMatchObject({ ifindex: 1, up: true });
  });

  test("address dump matches ip addr", async () => {
    const v4 = (await agent.call("addresses", { family: 4, ifindex: eth0 })) as Json[];
    expect(v4.map((a) => a.address)).toEqual(["192.0.2.10/24"]);
    const v6 = (await agent.call("addresses", { family: 6, ifindex: eth0 })) as Json[];
    expect(v6.map((a) => a.address)).toEqual(expect.arrayContaining(["2001:db8::a/64"]));
  });

  test("IPv4 VIP with label, broadcast and scope; IPv6 VIP nodad; both removed again", async () => {
    await agent.call("addr-add", { ifindex: eth0, prefix: "192.0.2.100/24", label: "eth0:vip", broadcast: "192.0.2.255" });
    await agent.call("addr-add", { ifindex: eth0, prefix: "203.0.113.5/32", scope: 254 });
    await agent.call("addr-add", { ifindex: eth0, prefix: "2001:db8::100/64", nodad: true });
    const info = lab.addrs("a")[0]!.addr_info;
    expect(info.find((x) => x.local === "192.0.2.100")).toMatchObject({
      prefixlen: 24,
      label: "eth0:vip",
      broadcast: "192.0.2.255",
      scope: "global",
    });
    expect(info.find((x) => x.local === "203.0.113.5")).toMatchObject({ prefixlen: 32, scope: "host" });
    const v6 = info.find((x) => x.local === "2001:db8::100") as Json;
    expect(v6).toMatchObject({ prefixlen: 64 });
    expect(v6.nodad).toBe(true);
    expect(ip("-6", "addr", "show", "dev", "eth0")).not.toContain("tentative");
    // An AdapterError: what was asked, the request the kernel refused, the errno's name and the kernel's own reason.
    await expect(agent.call("addr-add", { ifindex: eth0, prefix: "192.0.2.100/24" })).rejects.toMatchObject({
      code: "EEXIST",
      message: expect.stringMatching(
        new RegExp(`add address 192\\.0\\.2\\.100/24 on ifindex ${eth0}: rtnetlink RTM_NEWADDR failed: EEXIST \\(errno 17\\): .*already`),
      ),
    });
    await agent.call("addr-del", { ifindex: eth0, prefix: "192.0.2.100/24" });
    await agent.call("addr-del", { ifindex: eth0, prefix: "203.0.113.5/32" });
    await agent.call("addr-del", { ifindex: eth0, prefix: "2001:db8::100/64" });
    expect(lab.addressList("a").filter((x) => !x.startsWith("fe80"))).toEqual(["192.0.2.10/24", "2001:db8::a/64"]);
    await expect(agent.call("addr-del", { ifindex: eth0, prefix: "192.0.2.100/24" })).rejects.toThrow(/EADDRNOTAVAIL/);
  });

  test("virtual_routes: via, dev, src, table, blackhole, IPv6; deleted again", async () => {
    await agent.call("addr-add", { ifindex: eth0, prefix: "192.0.2.100/24" });
    await agent.call("route-add", { route: { dst: "198.51.100.0/24", via: "192.0.2.11", ifindex: eth0, src: "192.0.2.100" } });
    await agent.call("route-add", { route: { dst: "203.0.113.0/24", ifindex: eth0, table: 100 } });
    await agent.call("route-add", { route: { dst: "203.0.113.128/25", blackhole: true, table: 1000 } });
    await agent.call("route-add", { route: { dst: "2001:db8:1::/48", via: "2001:db8::b", ifindex: eth0, metric: 50 } });
    const main = ip("route", "show");
    expect(main).toContain("198.51.100.0/24 via 192.0.2.11 dev eth0 proto keepalived src 192.0.2.100");
    expect(ip("route", "show", "table", "100")).toContain("203.0.113.0/24 dev eth0 proto keepalived scope link");
    expect(ip("route", "show", "table", "1000")).toContain("blackhole 203.0.113.128/25 proto keepalived");
    expect(ip("-6", "route", "show")).toContain("2001:db8:1::/48 via 2001:db8::b dev eth0 proto keepalived metric 50");
    await agent.call("route-del", { route: { dst: "198.51.100.0/24", via: "192.0.2.11", ifindex: eth0 } });
    await agent.call("route-del", { route: { dst: "203.0.113.0/24", ifindex: eth0, table: 100 } });
    await agent.call("route-del", { route: { dst: "203.0.113.128/25", blackhole: true, table: 1000 } });
    await agent.call("route-del", { route: { dst: "2001:db8:1::/48", via: "2001:db8::b", ifindex: eth0, metric: 50 } });
    expect(ip("route", "show", "table", "all")).not.toContain("proto keepalived");
    expect(ip("-6", "route", "show", "table", "all")).not.toContain("proto keepalived");
    await agent.call("addr-del", { ifindex: eth0, prefix: "192.0.2.100/24" });
  });

  test("virtual_rules: from / to / table / priority, IPv4 and IPv6; deleted again", async () => {
    await agent.call("rule-add", { rule: { family: 4, from: "192.0.2.100/32", table: 100, priority: 1000 } });
    await agent.call("rule-add", { rule: { family: 4, to: "198.51.100.0/24", table: 1000, priority: 1001 } });
    await agent.call("rule-add", { rule: { family: 6, from: "2001:db8::100/128", table: 100, priority: 1002 } });
    expect(ip("rule", "show")).toContain("1000:\tfrom 192.0.2.100 lookup 100");
    expect(ip("rule", "show")).toContain("1001:\tfrom all to 198.51.100.0/24 lookup 1000");
    expect(ip("-6", "rule", "show")).toContain("1002:\tfrom 2001:db8::100 lookup 100");
    await agent.call("rule-del", { rule: { family: 4, from: "192.0.2.100/32", table: 100, priority: 1000 } });
    await agent.call("rule-del", { rule: { family: 4, to: "198.51.100.0/24", table: 1000, priority: 1001 } });
    await agent.call("rule-del", { rule: { family: 6, from: "2001:db8::100/128", table: 100, priority: 1002 } });
    expect(ip("rule", "show")).not.toMatch(/100[01]:/);
    expect(ip("-6", "rule", "show")).not.toContain("1002:");
  });
});

test("the AddressManager contract (shared with the fake) holds for the rtnetlink adapter", async () => {
  expect(await agent.call("contract", { ifname: "eth0" })).toEqual([]);
});

describe("events", () => {
  beforeAll(async () => {
    await agent.call("monitor");
  });

  function median(values: number[]): number {
    const s = [...values].sort((x, y) => x - y);
    return s[Math.floor((s.length - 1) / 2)]!;
  }

  /** Runs argv from the agent (so one clock measures it) and returns ms until the first matching event. */
  async function timed(argv: string[], pred: (e: Json) => boolean): Promise<number> {
    const from = agent.lineCount;
    const { t } = await agent.call("run", { argv });
    const e = await agent.waitEvent("link", pred, 2000, from);
    return e.t - t;
  }

  test("link down / up on the host side (admin state) and on the bridge side (carrier) reach the callback < 10 ms p50", async () => {
    const admin: number[] = [];
    const carrier: number[] = [];
    const br = lab.bridgeNs!;
    const port = lab.bridgePort("a");
    for (let i = 0; i < 5; i++) {
      admin.push(await timed(["ip", "link", "set", "eth0", "down"], (e) => e.type === "link" && e.name === "eth0" && !e.up));
      admin.push(await timed(["ip", "link", "set", "eth0", "up"], (e) => e.type === "link" && e.name === "eth0" && e.up));
      // Taking the bridge-side end down leaves eth0 administratively up but without carrier.
      carrier.push(
        await timed(["ip", "-n", br, "link", "set", port, "down"], (e) => e.type === "link" && e.name === "eth0" && e.up && !e.carrier),
      );
      carrier.push(await timed(["ip", "-n", br, "link", "set", port, "up"], (e) => e.type === "link" && e.name === "eth0" && e.carrier));
    }
    console.log(
      `link event latency (from spawning ip, so an upper bound) ms: admin p50 ${median(admin).toFixed(2)} max ${Math.max(...admin).toFixed(2)}; carrier p50 ${median(carrier).toFixed(2)} max ${Math.max(...carrier).toFixed(2)}`,
    );
    expect(median(admin)).toBeLessThan(10);
    expect(median(carrier)).toBeLessThan(10);
  }, 20_000);

  test("addresses added and deleted with `ip addr` are reported", async () => {
    const from = agent.lineCount;
    ip("addr", "add", "192.0.2.123/24", "dev", "eth0");
    ip("addr", "add", "2001:db8::123/64", "dev", "eth0", "nodad");
    await agent.waitEvent("link", (e) => e.type === "address-added" && e.address === "192.0.2.123/24" && e.ifindex === eth0, 2000, from);
    await agent.waitEvent("link", (e) => e.type === "address-added" && e.address === "2001:db8::123/64", 2000, from);
    ip("addr", "del", "192.0.2.123/24", "dev", "eth0");
    ip("addr", "del", "2001:db8::123/64", "dev", "eth0");
    await agent.waitEvent("link", (e) => e.type === "address-removed" && e.address === "192.0.2.123/24", 2000, from);
    await agent.waitEvent("link", (e) => e.type === "address-removed" && e.address === "2001:db8::123/64", 2000, from);
  });

  test("interfaces appearing and disappearing are reported", async () => {
    const from = agent.lineCount;
    ip("link", "add", "vx0", "type", "veth", "peer", "name", "vx1");
    await agent.waitEvent("link", (e) => e.type === "link" && e.change === "new" && e.name === "vx0", 2000, from);
    ip("link", "del", "vx0");
    await agent.waitEvent("link", (e) => e.type === "link-removed" && e.name === "vx0", 2000, from);
  });

  test("ENOBUFS (event socket overflowed while the loop was busy) → reopen and a resync with a full dump", async () => {
    await agent.call("monitor-stop");
    await agent.call("monitor", { rcvbufBytes: 4096 });
    const from = agent.lineCount;
    // 300 addresses added while the agent's event loop is blocked: far more events than 4 KiB holds.
    await agent.call("burst-addresses", { ifindex: eth0, count: 300 });
    const resync = await agent.waitEvent("link", (e) => e.type === "resync", 3000, from);
    expect(resync.links).toEqual(expect.arrayContaining(["lo", "eth0"]));
    expect(resync.addresses).toEqual(expect.arrayContaining(["198.51.100.0/32", "198.51.101.43/32", "192.0.2.10/24"]));
    // The loss is told (for the log), not only counted.
    expect(agent.events("monitor-trouble", from).map((e) => e.message)).toEqual([
      expect.stringMatching(/^link monitor: events lost \(.*ENOBUFS.*\); reopening the event socket and resynchronising$/),
    ]);
    // The reopened socket delivers events again.
    const after = agent.lineCount;
    ip("addr", "add", "192.0.2.124/24", "dev", "eth0");
    await agent.waitEvent("link", (e) => e.type === "address-added" && e.address === "192.0.2.124/24", 2000, after);
    ip("addr", "del", "192.0.2.124/24", "dev", "eth0");
    await agent.call("monitor-stop");
    await agent.call("burst-addresses", { ifindex: eth0, count: 300, remove: true });
    expect(lab.addressList("a").filter((x) => x.startsWith("198.51."))).toEqual([]);
  });
});
