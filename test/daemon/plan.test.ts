import { describe, expect, test } from "bun:test";
import type { AddressEntry, HostSnapshot, Link } from "../../src/adapters/address-manager.ts";
import { prepare } from "../../src/daemon/plan.ts";
import { formatIp, parseIp } from "../../src/vrrp/ip-address.ts";
import { instance, loadOk } from "../config/helpers.ts";

const ETH0: Link = { ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true };
const ETH1: Link = { ...ETH0, ifindex: 3, name: "eth1" };

function address(ifindex: number, text: string, scope = 0): AddressEntry {
  const bytes = parseIp(text)!;
  return { family: bytes.length === 4 ? 4 : 6, ifindex, address: bytes, prefixlen: 24, scope, label: "", flags: 0 };
}

const nobody = () => null;

function host(links: Link[], addresses: AddressEntry[]): HostSnapshot {
  return { links, addresses };
}

describe("prepare(config, host): pure, from the config and a snapshot of the host", () => {
  test("the core's tie-break address is the interface's primary address, by the one rule the socket uses", () => {
    const config = loadOk(instance("VI_1"));
    // A host-scope address listed first can never source an advert: the next one is the primary.
    const result = prepare(config, host([ETH0], [address(2, "192.0.2.50", 254), address(2, "192.0.2.1"), address(2, "192.0.2.2")]), nobody);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(formatIp(result.prepared.node.instances[0]!.primaryAddress)).toBe("192.0.2.1");
  });

  test("IPv6: the link-local address, never a global one listed before it", () => {
    const config = loadOk(`[instances.V6]\ninterface = "eth0"\nvirtual_router_id = 7\nvirtual_ipaddress = ["2001:db8::10/64"]\n`);
    const result = prepare(config, host([ETH0], [address(2, "2001:db8::1"), address(2, "fe80::1", 253)]), nobody);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(formatIp(result.prepared.node.instances[0]!.primaryAddress)).toBe("fe80::1");
  });

  test("announcements are spaced per interface: its garp_group's interval, else [global]'s", () => {
    const config = loadOk(`[global]
garp_interval = 0.001
garp_group = [{ interfaces = ["eth1"], garp_interval = 0.05 }]
${instance("VI_1", 'virtual_ipaddress_excluded = ["198.51.100.10/24 dev eth1"]\n')}`);
    const result = prepare(config, host([ETH0, ETH1], [address(2, "192.0.2.1")]), nobody);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(result.prepared.plans[0]!.announce.map((a) => [a.ifname, a.intervalMs])).toEqual([
      ["eth0", 1],
      ["eth1", 50],
    ]);
  });

  test("plans carry the VIPs on the interface's index, the group as destination, the notify scripts", () => {
    const config = loadOk(instance("VI_1", 'notify_master = "/bin/true master"\n'));
    const result = prepare(config, host([ETH0], [address(2, "192.0.2.1")]), nobody);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    const plan = result.prepared.plans[0]!;
    expect(plan.addresses.map((a) => [a.ifindex, formatIp(a.address), a.prefixlen])).toEqual([[2, "192.0.2.10", 24]]);
    expect(plan.destinations.map((d) => formatIp(d))).toEqual(["224.0.0.18"]);
    expect(plan.notify).toEqual({ notify_master: { line: "/bin/true master" } });
    expect(result.prepared.waiting).toEqual([]);
  });

  test("a missing interface or one without an address is a problem, named; nothing is prepared", () => {
    const config = loadOk(`${instance("VI_1")}\n${instance("VI_2", "", 52).replace('"eth0"', '"eth1"')}`);
    const noLink = prepare(config, host([ETH0], [address(2, "192.0.2.1")]), nobody);
    expect(noLink.ok).toBe(false);
    if (!noLink.ok) expect(noLink.problems.join("\n")).toContain("interface eth1 does not exist");
    const noAddress = prepare(config, host([ETH0, ETH1], [address(2, "192.0.2.1")]), nobody);
    expect(noAddress.ok).toBe(false);
    if (!noAddress.ok)
      expect(noAddress.problems).toEqual([
        "instance VI_2: interface eth1 has no IPv4 address to send adverts from; add one or set unicast_src_ip",
      ]);
  });

  test("dynamic_interfaces: an instance without its interface (or its address) waits, and so does its sync group", () => {
    const text = `[global]\ndynamic_interfaces = true\n[sync_groups.G]\ngroup = ["VI_1", "VI_2"]\n${instance("VI_1")}\n${instance("VI_2", "", 52).replace('"eth0"', '"eth1"')}\n${instance("VI_3", "", 53)}`;
    const config = loadOk(text);
    const absent = prepare(config, host([ETH0], [address(2, "192.0.2.1")]), nobody);
    if (!absent.ok) throw new Error(absent.problems.join("\n"));
    expect(absent.prepared.waiting).toEqual([
      { instance: "VI_2", ifname: "eth1" },
      { instance: "VI_1", ifname: "eth1" },
    ]);
    expect(absent.prepared.plans.map((p) => p.name)).toEqual(["VI_3"]);
    expect(absent.prepared.node.syncGroups).toEqual([]);
    // The link exists but has no address yet: still waiting.
    const unaddressed = prepare(config, host([ETH0, ETH1], [address(2, "192.0.2.1")]), nobody);
    if (!unaddressed.ok) throw new Error(unaddressed.problems.join("\n"));
    expect(unaddressed.prepared.waiting.map((w) => w.instance)).toEqual(["VI_2", "VI_1"]);
    const ready = prepare(config, host([ETH0, ETH1], [address(2, "192.0.2.1"), address(3, "198.51.100.1")]), nobody);
    if (!ready.ok) throw new Error(ready.problems.join("\n"));
    expect(ready.prepared.waiting).toEqual([]);
    expect(ready.prepared.plans.map((p) => p.name)).toEqual(["VI_1", "VI_2", "VI_3"]);
    expect(ready.prepared.node.syncGroups).toEqual([{ name: "G", members: ["VI_1", "VI_2"] }]);
  });

  test("a notify command's own user is resolved; an unknown one is a problem naming the key, never root instead", () => {
    const config = loadOk(
      `[sync_groups.G]\ngroup = ["VI_1"]\nnotify_master = { command = "/bin/true g", user = "nobody" }\n${instance("VI_1", 'notify_backup = { command = "/bin/true b", user = "ghost", group = "nogroup" }\nnotify_master = { command = "/bin/true m", user = "www-data" }\n')}`,
    );
    const snapshot = host([ETH0], [address(2, "192.0.2.1")]);
    const users = (user: string, group: string | null) =>
      user === "ghost" ? null : { uid: user === "nobody" ? 65534 : 33, gid: group === null ? 33 : 65534 };
    const result = prepare(config, snapshot, users);
    expect(result.ok ? [] : result.problems).toEqual(["instances.VI_1.notify_backup: no user ghost or group nogroup"]);
    const fixed = prepare(config, snapshot, (user) => ({ uid: user === "nobody" ? 65534 : 33, gid: 33 }));
    if (!fixed.ok) throw new Error(fixed.problems.join("\n"));
    expect(fixed.prepared.plans[0]!.notify.notify_master).toEqual({ line: "/bin/true m", runAs: { uid: 33, gid: 33 } });
    expect(fixed.prepared.groupNotify.get("G")!.notify_master).toEqual({ line: "/bin/true g", runAs: { uid: 65534, gid: 33 } });
  });

  test("global.script_user is resolved through the lookup given; an unknown user is a problem", () => {
    const config = loadOk(`[global]\nscript_user = "vipd_script"\n${instance("VI_1")}`);
    const snapshot = host([ETH0], [address(2, "192.0.2.1")]);
    const unknown = prepare(config, snapshot, nobody);
    expect(unknown.ok ? [] : unknown.problems).toEqual(["global.script_user: no user vipd_script"]);
    const known = prepare(config, snapshot, (user) => (user === "vipd_script" ? { uid: 990, gid: 991 } : null));
    expect(known.ok && known.prepared.scriptIds).toEqual({ uid: 990, gid: 991 });
  });
});
