// use_vmac on the real kernel: two vipd daemons with VMACs and a client. The VMAC as keepalived 2.2.7 makes it
// (a private macvlan with the virtual router MAC, its IPv4 settings, no IPv6 address of its own), the VIP on it,
// the client's neighbour entry the virtual MAC before and after a failover, a VMAC left by a crash reused, an
// instance whose VMAC cannot be created FAULT, the VMAC removed and the base settings restored at stop.

import { afterEach, expect, test } from "bun:test";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";
import { waitFor } from "../wait-for.ts";

const VIP = "192.0.2.100";
const VMAC = "vrrp.51";
const VIRTUAL_MAC4 = "00:00:5e:00:01:33";

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

async function twoNodes(extra: string[] = ["use_vmac = true"]): Promise<VipdCluster> {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"]);
  c.writeConfig("a", instanceToml({ priority: 150, extra }));
  c.writeConfig("b", instanceToml({ priority: 100, extra }));
  cluster = c;
  return c;
}

interface LinkDetails {
  ifname: string;
  address: string;
  flags: string[];
  link?: string;
  linkinfo?: { info_kind: string; info_data?: { mode: string } };
}

function linkDetails(c: VipdCluster, host: string, ifname: string): LinkDetails | null {
  const r = c.lab.exec(host, ["ip", "-j", "-d", "link", "show", "dev", ifname]);
  if (r.code !== 0) return null;
  return (JSON.parse(r.stdout) as LinkDetails[])[0] ?? null;
}

/** net.ipv4.conf.IFNAME.KEY (read from /proc: sysctl would take the dot in vrrp.51 for a separator). */
function ipv4Conf(c: VipdCluster, host: string, ifname: string, key: string): string {
  return c.lab.must(host, ["cat", `/proc/sys/net/ipv4/conf/${ifname}/${key}`]).trim();
}

/** The client's neighbour entry for the VIP: its MAC, or null. */
function clientNeighbour(c: VipdCluster, address = VIP): string | null {
  const entries = JSON.parse(c.lab.must("client", ["ip", "-j", "neigh", "show", "to", address])) as { lladdr?: string }[];
  return entries[0]?.lladdr ?? null;
}

function holdsOnVmac(c: VipdCluster, host: string): boolean {
  return linkDetails(c, host, VMAC) !== null && c.lab.addressList(host, VMAC).some((a) => a.startsWith(`${VIP}/`));
}

test("the VMAC is a private macvlan with the virtual MAC and keepalived's settings; the client sees only the virtual MAC, also after a failover", async () => {
  const c = await twoNodes();
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);

  for (const host of ["a", "b"]) {
    const vmac = linkDetails(c, host, VMAC);
    expect(vmac).toMatchObject({ address: VIRTUAL_MAC4, link: "eth0", linkinfo: { info_kind: "macvlan", info_data: { mode: "private" } } });
    expect(vmac!.flags).toContain("UP");
    expect(ipv4Conf(c, host, VMAC, "arp_ignore")).toBe("1");
    expect(ipv4Conf(c, host, VMAC, "accept_local")).toBe("1");
    expect(ipv4Conf(c, host, VMAC, "rp_filter")).toBe("0");
    expect(ipv4Conf(c, host, VMAC, "promote_secondaries")).toBe("1");
    expect(ipv4Conf(c, host, VMAC, "drop_gratuitous_arp")).toBe("1");
    expect(ipv4Conf(c, host, "eth0", "arp_ignore")).toBe("1");
    expect(ipv4Conf(c, host, "eth0", "arp_filter")).toBe("1");
    expect(ipv4Conf(c, host, "eth0", "arp_announce")).toBe("2");
    expect(c.lab.must(host, ["cat", "/proc/sys/net/ipv4/igmp_link_local_mcast_reports"]).trim()).toBe("0");
    // RFC 5798 §7.4: no link-local address derived from the virtual MAC; an IPv4 VMAC has IPv6 off (keepalived).
    expect(c.lab.addressList(host, VMAC).filter((a) => a.includes(":"))).toEqual([]);
    expect(c.lab.must(host, ["cat", `/proc/sys/net/ipv6/conf/${VMAC}/disable_ipv6`]).trim()).toBe("1");
  }
  expect(holdsOnVmac(c, "a")).toBe(true);
  expect(holdsOnVmac(c, "b")).toBe(false);

  expect(c.lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).code).toBe(0);
  expect(clientNeighbour(c)).toBe(VIRTUAL_MAC4);

  // The master dies without a word: b takes over, and the client's entry needs no update to reach it.
  c.daemon("a").proc.kill("SIGKILL");
  await c.waitState("b", "MASTER", 2000);
  expect(holdsOnVmac(c, "b")).toBe(true);
  expect(clientNeighbour(c)).toBe(VIRTUAL_MAC4);
  expect(c.lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).code).toBe(0);

  // A restart after the crash reuses a's VMAC (right MAC and mode) instead of failing on it.
  const again = await c.start("a");
  expect(again.lines.some((l) => l.includes(`VMAC ${VMAC}`) && l.includes("reused"))).toBe(true);
  await c.waitState("a", "MASTER", 3000);
  await c.waitState("b", "BACKUP", 3000);

  // Stop: the VMAC goes, eth0's ARP settings are back to the kernel's defaults.
  c.daemon("a").proc.kill("SIGTERM");
  await Promise.race([c.daemon("a").proc.exited, Bun.sleep(5000)]);
  expect(c.daemon("a").exited).toBe(true);
  expect(linkDetails(c, "a", VMAC)).toBeNull();
  expect(ipv4Conf(c, "a", "eth0", "arp_ignore")).toBe("0");
  expect(ipv4Conf(c, "a", "eth0", "arp_filter")).toBe("0");
  expect(ipv4Conf(c, "a", "eth0", "arp_announce")).toBe("0");
  expect(c.lab.must("a", ["cat", "/proc/sys/net/ipv4/igmp_link_local_mcast_reports"]).trim()).toBe("1");
}, 40_000);

test("IPv6: the VMAC sends from the interface's link-local address, takes no router advertisement, and the client keeps the virtual MAC across a failover", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"]);
  cluster = c;
  const vip6 = "2001:db8::100";
  const toml = (priority: number) => instanceToml({ priority, extra: ["use_vmac = true"] }).replace('"192.0.2.100/24"', `"${vip6}/64"`);
  c.writeConfig("a", toml(150));
  c.writeConfig("b", toml(100));
  // The link-local addresses adverts are sent from appear once the kernel has seen the carrier.
  for (const host of ["a", "b"])
    expect(await waitFor(() => c.lab.addressList(host).some((x) => x.startsWith("fe80:")), 3000, 50)).toBe(true);
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);
  for (const host of ["a", "b"]) {
    const own = c.lab.addressList(host).find((x) => x.startsWith("fe80:"))!;
    const onVmac = c.lab.addressList(host, VMAC);
    expect(onVmac).toContain(own);
    expect(onVmac.filter((x) => !x.startsWith("fe80:") && !x.startsWith(`${vip6}/`))).toEqual([]);
    expect(c.lab.must(host, ["cat", `/proc/sys/net/ipv6/conf/${VMAC}/accept_ra`]).trim()).toBe("0");
  }
  const ping6 = () => c.lab.exec("client", ["ping", "-6", "-c", "1", "-W", "1", vip6]).code;
  const neighbour6 = () =>
    (JSON.parse(c.lab.must("client", ["ip", "-6", "-j", "neigh", "show", "to", vip6])) as { lladdr?: string }[])[0]?.lladdr ?? null;
  expect(ping6()).toBe(0);
  expect(neighbour6()).toBe("00:00:5e:00:02:33");
  c.daemon("a").proc.kill("SIGKILL");
  await c.waitState("b", "MASTER", 2000);
  expect(ping6()).toBe(0);
  expect(neighbour6()).toBe("00:00:5e:00:02:33");
}, 30_000);

test("a VMAC removed under the daemon is set up again, and the master holds the VIP on it again", async () => {
  const c = await twoNodes();
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  c.lab.must("a", ["ip", "link", "del", VMAC]);
  await c.daemon("a").waitLine((l) => l.includes(`VMAC ${VMAC} was removed`), 3000);
  expect(await waitFor(() => holdsOnVmac(c, "a"), 3000, 20)).toBe(true);
  expect(await c.state("a")).toBe("MASTER");
  expect(c.lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).code).toBe(0);
}, 30_000);

test("vmac_xmit_base: adverts from the interface's own MAC, gratuitous ARP and the VIP from the virtual MAC", async () => {
  const c = await twoNodes(["use_vmac = true", "vmac_xmit_base = true"]);
  const capture = c.lab.spawn("client", ["tcpdump", "-n", "-e", "-l", "-i", "eth0", "vrrp or arp"]);
  await Bun.sleep(300); // tcpdump attaches
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);
  expect(holdsOnVmac(c, "a")).toBe(true);
  expect(c.lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).code).toBe(0);
  expect(clientNeighbour(c)).toBe(VIRTUAL_MAC4);
  await Bun.sleep(300);
  const adverts = capture.lines.filter((l) => l.includes("VRRPv3, Advertisement"));
  const garps = capture.lines.filter((l) => l.includes(`Request who-has ${VIP}`) && l.includes(`tell ${VIP}`));
  expect(adverts.length).toBeGreaterThan(2);
  // tcpdump -e: "TIME SRC-MAC > DST-MAC, ..."
  expect(adverts.every((l) => l.split(" ")[1] === c.lab.mac("a"))).toBe(true);
  expect(garps.length).toBeGreaterThan(0);
  expect(garps.every((l) => l.split(" ")[1] === VIRTUAL_MAC4)).toBe(true);
}, 30_000);

test("an instance whose VMAC cannot be created is FAULT with the reason; the others run", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  // A link of another kind already has the VMAC's name: vipd must not touch it.
  c.lab.must("a", ["ip", "link", "add", VMAC, "type", "veth", "peer", "name", "vmacpeer"]);
  c.writeConfig(
    "a",
    instanceToml({ priority: 150, extra: ["use_vmac = true"] }) +
      instanceToml({ name: "VI_2", vrid: 52, vip: "192.0.2.101", priority: 150 }),
  );
  const a = await c.start("a");
  await c.waitState("a", "FAULT", 3000);
  await c.waitState("a", "MASTER", 3000, "VI_2");
  expect(a.lines.some((l) => l.includes(`cannot set up VMAC ${VMAC} on eth0`) && l.includes("not a macvlan"))).toBe(true);
  expect(linkDetails(c, "a", VMAC)?.linkinfo?.info_kind).toBe("veth");
}, 30_000);

test("a reload keeping the instance keeps its VMAC and VIP; one dropping use_vmac removes it", async () => {
  const c = await twoNodes();
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  const ifindexBefore = c.lab.must("a", ["cat", `/sys/class/net/${VMAC}/ifindex`]).trim();
  c.writeConfig("a", instanceToml({ priority: 160, extra: ["use_vmac = true"] }));
  c.daemon("a").proc.kill("SIGHUP");
  await c.daemon("a").waitLine((l) => l.includes("reloaded:"), 3000);
  expect(await c.state("a")).toBe("MASTER");
  expect(c.lab.must("a", ["cat", `/sys/class/net/${VMAC}/ifindex`]).trim()).toBe(ifindexBefore);
  expect(holdsOnVmac(c, "a")).toBe(true);

  c.writeConfig("a", instanceToml({ priority: 160 }));
  const from = c.daemon("a").lines.length;
  c.daemon("a").proc.kill("SIGHUP");
  await c.daemon("a").waitLine((l) => l.includes("reloaded:"), 3000, from);
  expect(await waitFor(() => linkDetails(c, "a", VMAC) === null, 2000, 20)).toBe(true);
  // Another instance now (its interface changed): it starts again as BACKUP and takes over.
  await c.waitState("a", "MASTER", 3000);
  expect(c.holds("a", VIP)).toBe(true);
  expect(ipv4Conf(c, "a", "eth0", "arp_ignore")).toBe("0");
}, 30_000);
