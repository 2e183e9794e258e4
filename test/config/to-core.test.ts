import { describe, expect, test } from "bun:test";
import { toCore, type PrimaryAddressLookup } from "../../src/config/to-core.ts";
import { AUTH_NONE, AUTH_PASS } from "../../src/vrrp/constants.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { VrrpNode } from "../../src/vrrp/node.ts";
import { instance, loadOk } from "./helpers.ts";

const ip = (text: string) => parseIp(text)!;

const primary: PrimaryAddressLookup = (ifname, family) => {
  const table: Record<string, string> = { "eth0/4": "192.0.2.2", "eth0/6": "fe80::2", "eth1/4": "198.51.100.2" };
  const found = table[`${ifname}/${family}`];
  return found ? ip(found) : null;
};

const TEXT = `
[scripts.chk_web]
script = "/usr/bin/true"
weight = -30
[scripts.chk_db]
script = "/usr/bin/true"
reverse = true
[track_files.prio]
file = "/run/prio"
weight = 2

[instances.VI_1]
state = "BACKUP"
interface = "eth0"
virtual_router_id = 51
priority = 150
advert_int = 2
nopreempt = false
preempt_delay = 1.5
authentication = { auth_type = "PASS", auth_pass = "secret" }
virtual_ipaddress = ["192.0.2.10/24", "192.0.2.11/24 dev eth1"]
virtual_ipaddress_excluded = ["2001:db8::10/64", "192.0.2.12"]
track_interface = ["eth1 weight -20", "eth2"]
track_script = ["chk_web", "chk_db weight 10"]
track_file = ["prio", "prio weight -1 reverse"]
garp_master_repeat = 2
garp_master_delay = 0
garp_master_refresh = 30

[instances.VI_6]
interface = "eth0"
virtual_router_id = 51
advert_int = 0.5
nopreempt = true
unicast_peer = ["2001:db8::3"]
virtual_ipaddress = ["2001:db8::1/64", "2001:db8::2/64"]
dont_track_primary = true
skip_check_adv_addr = true

[instances.VI_2]
interface = "eth1"
virtual_router_id = 52
version = 3
v3_checksum_as_v2 = true
unicast_src_ip = "198.51.100.9"
unicast_peer = ["198.51.100.3"]
virtual_ipaddress = ["198.51.100.1"]

[sync_groups.G]
group = ["VI_1", "VI_2"]
sync_group_tracking_weight = true
`;

describe("toCore", () => {
  const result = toCore(loadOk(TEXT), primary);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const [vi1, vi6, vi2] = result.node.instances;

  test("a v2 IPv4 instance with auth, trackers and garp settings", () => {
    expect(vi1).toEqual({
      name: "VI_1",
      interface: "eth0",
      family: 4,
      version: 2,
      vrid: 51,
      priority: 150,
      advertIntervalCs: 200,
      preempt: true,
      preemptDelayMs: 1500,
      advertAddresses: [ip("192.0.2.10"), ip("192.0.2.11")],
      authType: AUTH_PASS,
      authData: new Uint8Array([0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0, 0]),
      checksumAsV2: false,
      skipCheckAdvertAddresses: false,
      primaryAddress: ip("192.0.2.2"),
      multicastGroup: ip("224.0.0.18"),
      unicastPeers: [],
      checkUnicastSource: true,
      unicastPeerTtl: [],
      trackers: [
        // Always first: no socket, no MASTER.
        { name: "socket:eth0/IPv4", kind: "status", weight: 0, reverse: false },
        { name: "interface:eth0", kind: "status", weight: 0, reverse: false },
        { name: "interface:eth1", kind: "status", weight: -20, reverse: false },
        { name: "interface:eth2", kind: "status", weight: 0, reverse: false },
        { name: "script:chk_web", kind: "status", weight: -30, reverse: false },
        { name: "script:chk_db", kind: "status", weight: 10, reverse: true },
        { name: "file:prio", kind: "value", weight: 2, reverse: false },
        { name: "file:prio", kind: "value", weight: -1, reverse: true },
      ],
      // garp_lower_prio_delay follows garp_master_delay (0 here), as in keepalived.
      garp: {
        masterRepeat: 2,
        masterDelayMs: 0,
        lowerPrioRepeat: 2,
        lowerPrioDelayMs: 0,
        masterRefreshMs: 30_000,
        masterRefreshRepeat: 1,
        extraInterfacesRefreshMs: 0,
      },
      lowerPrioNoAdvert: false,
      higherPrioSendAdvert: true,
      downTimerAdverts: 3,
    });
  });

  test("an IPv6 instance: v3, link-local source, peers, no primary tracker (only its socket's), no auth", () => {
    expect(vi6).toMatchObject({
      name: "VI_6",
      family: 6,
      version: 3,
      priority: 100,
      advertIntervalCs: 50,
      preempt: false,
      advertAddresses: [ip("2001:db8::1"), ip("2001:db8::2")],
      authType: AUTH_NONE,
      authData: new Uint8Array(8),
      skipCheckAdvertAddresses: true,
      primaryAddress: ip("fe80::2"),
      unicastPeers: [ip("2001:db8::3")],
      trackers: [{ name: "socket:eth0/IPv6", kind: "status", weight: 0, reverse: false }],
    });
  });

  test("a configured source address wins over the interface's", () => {
    expect(vi2).toMatchObject({ version: 3, checksumAsV2: true, primaryAddress: ip("198.51.100.9"), unicastPeers: [ip("198.51.100.3")] });
  });

  test("sync groups and a node the core accepts", () => {
    expect(result.node.syncGroups).toEqual([{ name: "G", members: ["VI_1", "VI_2"] }]);
    const node = new VrrpNode(result.node);
    expect(node.routers.map((r) => r.name)).toEqual(["VI_1", "VI_6", "VI_2"]);
  });

  test("vrrp_startup_delay is the node's", () => {
    expect(result.node.startupDelayMs).toBe(0);
    const delayed = toCore(loadOk(`[global]\nvrrp_startup_delay = 2.5\n${instance("A")}`), primary);
    expect(delayed.ok && delayed.node.startupDelayMs).toBe(2500);
  });

  test("an interface without an address of the family is an error per instance", () => {
    const config = loadOk(
      `${instance("A", "", 1)}[instances.B]\ninterface = "eth9"\nvirtual_router_id = 2\nvirtual_ipaddress = ["2001:db8::1"]\n`,
    );
    expect(toCore(config, () => null)).toEqual({
      ok: false,
      errors: [
        { instance: "A", message: "interface eth0 has no IPv4 address to send adverts from; add one or set unicast_src_ip" },
        { instance: "B", message: "interface eth9 has no IPv6 address to send adverts from; add one or set unicast_src_ip" },
      ],
    });
  });
});

describe("initial state MASTER, as keepalived 2.2.7 reads it", () => {
  const one = (extra: string) => {
    const result = toCore(
      loadOk(`[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\nvirtual_ipaddress = ["192.0.2.10/24"]\n${extra}`),
      primary,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.node.instances[0]!;
  };

  test("sets the default priority to 255 (the owner); BACKUP's is 100", () => {
    expect(one('state = "MASTER"\n').priority).toBe(255);
    expect(one('state = "BACKUP"\n').priority).toBe(100);
  });

  test("clears nopreempt and preempt_delay (keepalived warns and clears them); BACKUP keeps them", () => {
    expect(one('state = "MASTER"\npriority = 150\nnopreempt = true\npreempt_delay = 5\n')).toMatchObject({
      preempt: true,
      preemptDelayMs: 0,
    });
    expect(one('state = "BACKUP"\npriority = 150\nnopreempt = true\n')).toMatchObject({ preempt: false });
    expect(one('state = "BACKUP"\npriority = 150\npreempt_delay = 5\n')).toMatchObject({ preempt: true, preemptDelayMs: 5000 });
  });
});
