// The VMAC manager over the in-memory fakes: what it creates, the settings it changes and restores (also after
// a crash, through its record), what it reuses, replaces, refuses and removes.
import { describe, expect, test } from "bun:test";
import { memoryLogs } from "../../src/daemon/log.ts";
import { VmacManager, type WantedVmac } from "../../src/daemon/vmac-manager.ts";
import type { BaseSettingsRecord, SavedBaseSettings } from "../../src/daemon/vmac-record.ts";
import { formatIp, parseIp } from "../../src/vrrp/ip-address.ts";
import { FakeMacvlanLinks } from "../adapters/fake-macvlan.ts";
import { FakeNetlink } from "../adapters/fake-netlink.ts";

const eth0 = { ifindex: 2, name: "eth0", mac: Uint8Array.of(2, 0, 0, 0, 0, 1), mtu: 1500, up: true, carrier: true };
const v4: WantedVmac = {
  instance: "VI_1",
  name: "vrrp.51",
  parentIfname: "eth0",
  family: 4,
  mac: Uint8Array.of(0, 0, 0x5e, 0, 1, 51),
  xmitBase: false,
};
const v6: WantedVmac = {
  instance: "VI_6",
  name: "vrrp6.51",
  parentIfname: "eth0",
  family: 6,
  mac: Uint8Array.of(0, 0, 0x5e, 0, 2, 51),
  xmitBase: false,
  linkLocal: parseIp("fe80::1")!,
};

function memoryRecord(): BaseSettingsRecord & { saved: SavedBaseSettings } {
  const r = {
    saved: {} as SavedBaseSettings,
    load: () => structuredClone(r.saved),
    save: (s: SavedBaseSettings) => {
      r.saved = structuredClone(s);
    },
  };
  return r;
}

function setup(record = memoryRecord()) {
  const netlink = new FakeNetlink([eth0]);
  const macvlans = new FakeMacvlanLinks(netlink);
  const lines: string[] = [];
  const manager = new VmacManager(macvlans, netlink, memoryLogs(lines)("vmac"), record);
  return { netlink, macvlans, lines, manager, record };
}

describe("VmacManager", () => {
  test("IPv4: a private macvlan, up, with keepalived's settings; the base's ARP settings changed, recorded and restored", () => {
    const { macvlans, manager, record } = setup();
    macvlans.setIpv4Settings(eth0.ifindex, { arp_announce: 1 });
    expect(manager.ensure([v4])).toEqual(new Map());
    const vmac = macvlans.macvlans()[0]!;
    expect(vmac).toMatchObject({ name: "vrrp.51", parentIfindex: 2, mode: "private", up: true });
    expect(macvlans.ipv4Settings(vmac.ifindex)).toMatchObject({
      arp_ignore: 1,
      accept_local: 1,
      rp_filter: 0,
      promote_secondaries: 1,
      drop_gratuitous_arp: 1,
    });
    expect(macvlans.ipv4Settings(eth0.ifindex)).toMatchObject({ arp_ignore: 1, arp_filter: 1, arp_announce: 2 });
    expect(macvlans.igmpLinkLocalReports()).toBe(0);
    expect(record.saved).toEqual({
      eth0: { arp_ignore: 0, arp_filter: 0, arp_announce: 1 },
      "/net/ipv4": { igmp_link_local_mcast_reports: 1 },
    });
    manager.removeAll();
    expect(macvlans.macvlans()).toEqual([]);
    expect(macvlans.ipv4Settings(eth0.ifindex)).toMatchObject({ arp_ignore: 0, arp_filter: 0, arp_announce: 1 });
    expect(macvlans.igmpLinkLocalReports()).toBe(1);
    expect(record.saved).toEqual({});
  });

  test("IPv6: the link-local address adverts are sent from, no IPv4 settings touched", () => {
    const { netlink, macvlans, manager } = setup();
    manager.ensure([v6]);
    const vmac = macvlans.macvlans()[0]!;
    expect(netlink.addresses(6, vmac.ifindex).map((a) => `${formatIp(a.address)}/${a.prefixlen}`)).toEqual(["fe80::1/64"]);
    expect(macvlans.ipv4Settings(eth0.ifindex).arp_ignore).toBe(0);
    expect(macvlans.ipv6Settings("vrrp6.51")).toEqual({ disable_ipv6: 0, accept_ra: 0 });
  });

  test("IPv4: IPv6 off on the VMAC, unless IPv6 addresses go on it", () => {
    const { macvlans, manager } = setup();
    const withIpv6 = { ...v4, instance: "VI_2", name: "vrrp.52", mac: Uint8Array.of(0, 0, 0x5e, 0, 1, 52), ipv6Vips: true };
    manager.ensure([v4, withIpv6]);
    expect(macvlans.ipv6Settings("vrrp.51").disable_ipv6).toBe(1);
    expect(macvlans.ipv6Settings("vrrp.52")).toEqual({ disable_ipv6: 0, accept_ra: 0 });
  });

  test("after a crash: a fitting VMAC is reused, the recorded originals are restored at stop", () => {
    const record = memoryRecord();
    const first = setup(record);
    first.manager.ensure([v4]); // then the process dies: nothing removed
    const again = new VmacManager(first.macvlans, first.netlink, memoryLogs(first.lines)("vmac"), record);
    expect(again.ensure([v4])).toEqual(new Map());
    expect(first.macvlans.macvlans()).toHaveLength(1);
    expect(first.lines.some((l) => l.includes("already there") && l.includes("reused"))).toBe(true);
    again.removeAll();
    expect(first.macvlans.ipv4Settings(eth0.ifindex)).toMatchObject({ arp_ignore: 0, arp_filter: 0, arp_announce: 0 });
    expect(first.macvlans.igmpLinkLocalReports()).toBe(1);
  });

  test("a VMAC with the wrong MAC is replaced; a link of another kind with the name is refused, the others go on", () => {
    const { netlink, macvlans, manager } = setup();
    macvlans.create({ name: "vrrp.51", parentIfindex: 2, mac: Uint8Array.of(0, 0, 0x5e, 0, 1, 52), mode: "private" });
    netlink.addLink({ ...eth0, ifindex: 9, name: "vrrp6.51" });
    const failures = manager.ensure([v4, v6]);
    expect([...failures.keys()]).toEqual(["VI_6"]);
    expect(failures.get("VI_6")).toContain("vrrp6.51 exists and is not a macvlan");
    expect(macvlans.macvlans().map((m) => [m.name, m.mac[5]])).toEqual([["vrrp.51", 51]]);
  });

  test("creation refused: the instance's failure says why; a later ensure tries again", () => {
    const { macvlans, manager } = setup();
    macvlans.refuse.add("vrrp.51");
    expect(manager.ensure([v4]).get("VI_1")).toContain("EPERM");
    macvlans.refuse.clear();
    expect(manager.ensure([v4])).toEqual(new Map());
  });

  test("a VMAC whose settings change (IPv6 VIPs added) is made anew, not adopted after its removal", () => {
    const { macvlans, manager } = setup();
    manager.ensure([v4]);
    const before = macvlans.macvlans()[0]!.ifindex;
    expect(manager.ensure([{ ...v4, ipv6Vips: true }])).toEqual(new Map());
    const after = macvlans.macvlans();
    expect(after.map((m) => m.name)).toEqual(["vrrp.51"]);
    expect(after[0]!.ifindex).not.toBe(before);
    expect(macvlans.ipv6Settings("vrrp.51").disable_ipv6).toBe(0);
  });

  test("removeUnwanted removes only the VMACs no longer wanted; the base is restored with its last VMAC", () => {
    const { macvlans, manager } = setup();
    const second = { ...v4, instance: "VI_2", name: "vrrp.52", mac: Uint8Array.of(0, 0, 0x5e, 0, 1, 52) };
    manager.ensure([v4, second]);
    manager.removeUnwanted([second]);
    expect(macvlans.macvlans().map((m) => m.name)).toEqual(["vrrp.52"]);
    expect(macvlans.ipv4Settings(eth0.ifindex).arp_ignore).toBe(1);
    expect(macvlans.igmpLinkLocalReports()).toBe(0);
    manager.removeUnwanted([]);
    expect(macvlans.ipv4Settings(eth0.ifindex).arp_ignore).toBe(0);
    expect(macvlans.igmpLinkLocalReports()).toBe(1);
  });
});
