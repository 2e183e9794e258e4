// #12 item 3: 100 IPv6 VIPs on a 1500-byte link. Before the fix building the advert threw (92 VIPs: the kernel
// fragmented it and the backup's receive path dropped the fragments): two masters. Now, as keepalived does, only
// the 89 VIPs that fit one unfragmented advert are advertised, the rest are excluded (still added), with a warning;
// the advert on the wire is one whole packet and the backup hears it.

import { afterEach, expect, test } from "bun:test";
import { Keepalived } from "./keepalived.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIPS = 100;
const FITS = 89; // (1500 - 14 - 40 - 8) / 16, keepalived's count
const MDI_MAX_MS = 400; // v3 at 0.1 s: 300 ms + skew

let cluster: VipdCluster | null = null;
let keepalived: Keepalived | null = null;
afterEach(async () => {
  await keepalived?.stop();
  keepalived = null;
  await cluster?.destroy();
  cluster = null;
}, 20_000);

const ADDRESSES = Array.from({ length: VIPS }, (_, i) => `2001:db8:0:1::${(i + 1).toString(16)}/64`);

function instance(priority: number): string {
  const vips = ADDRESSES.map((a) => `"${a}"`).join(", ");
  return [
    "[instances.VI_1]",
    'interface = "eth0"',
    "virtual_router_id = 51",
    `priority = ${priority}`,
    "advert_int = 0.1",
    `virtual_ipaddress = [${vips}]`,
    "",
  ].join("\n");
}

test(`${VIPS} IPv6 VIPs on a 1500 MTU veth: ${FITS} advertised in one unfragmented advert, the backup hears it, no split brain`, async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  expect(c.lab.must("b", ["cat", "/sys/class/net/eth0/mtu"]).trim()).toBe("1500");
  c.writeConfig("a", instance(150));
  c.writeConfig("b", instance(100));
  const a = await c.start("a");
  await a.waitLine((l) => l.includes(`the last ${VIPS - FITS} are moved to virtual_ipaddress_excluded`), 1000);
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);

  // What crosses the wire: every VRRP packet and every fragment (next header 44) the backup's link carries.
  const capture = c.lab.spawn("b", ["tcpdump", "-i", "eth0", "-nn", "-l", "-v", "-c", "5", "ip6[6] == 112 or ip6[6] == 44"]);
  await capture.waitLine((l) => l.includes("listening on"), 3000);
  // Several Master_Down_Intervals: a backup that cannot hear the master takes over within one.
  await Bun.sleep(5 * MDI_MAX_MS);
  await capture.waitLine((l) => l.includes("5 packets captured"), 3000);
  const packets = capture.lines.filter((l) => l.includes(" IP6 ("));
  expect(packets).toHaveLength(5);
  for (const p of packets) {
    // One whole VRRP packet, never a fragment (next header 44): the header and 89 addresses of 16 bytes.
    expect(p).toContain(`next-header VRRP (112) payload length: ${8 + FITS * 16})`);
    expect(p).toContain(`addrs(${FITS}): 2001:db8:0:1::1,`);
  }

  expect(await c.state("a")).toBe("MASTER");
  expect(await c.state("b")).toBe("BACKUP");
  const backup = (await c.status("b")).instances[0]!;
  expect(backup.advertsReceived).toBeGreaterThan(10);
  expect(backup.drops).toEqual({});
  // Excluded or not, every VIP is on the master.
  const master = (await c.status("a")).instances[0]!;
  expect(master.vips).toHaveLength(VIPS);
  expect(master.vips.every((v) => v.present)).toBe(true);
  expect(c.holders("2001:db8:0:1::64")).toEqual(["a"]);
}, 30_000);

test("with keepalived 2.2.7 as the peer: both advertise the same 89 addresses, so each accepts the other's adverts", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  // advert_int 1: keepalived's adverts come irregularly while it sends its 100 unsolicited NAs.
  const vipdAt = (priority: number) => instance(priority).replace("advert_int = 0.1", "advert_int = 1");
  c.writeConfig("a", vipdAt(150));
  await c.start("a");
  await c.waitState("a", "MASTER", 6000);
  keepalived = Keepalived.start(
    c.lab,
    "b",
    "mtu",
    "vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  advert_int 1\n" +
      `  virtual_ipaddress {\n${ADDRESSES.map((a) => `    ${a}\n`).join("")}  }\n}\n`,
  );
  // keepalived's own rule, in its words: the same count as vipd's.
  await keepalived.waitLog(/Number of VIPs \(100\) exceeds maximum\/space available in packet \(max 89 addresses\)/, 10_000);
  await keepalived.waitLog(/Entering BACKUP STATE/, 10_000);
  // keepalived accepts vipd's adverts: BACKUP beyond its Master_Down_Interval (3.6 s), no mismatch logged.
  await Bun.sleep(5000);
  expect(keepalived.log).not.toMatch(/Entering MASTER STATE/);
  expect(keepalived.log).not.toMatch(/mismatch|received an invalid|address list/i);

  // The other way: vipd below keepalived hears its adverts, accepts them and stays BACKUP.
  await c.daemon("a").stop(5000);
  await keepalived.waitLog(/Entering MASTER STATE/, 5000);
  c.writeConfig("a", vipdAt(50));
  await c.start("a");
  await c.waitState("a", "BACKUP", 3000);
  await Bun.sleep(5000);
  const vipd = (await c.status("a")).instances[0]!;
  expect(vipd.state).toBe("BACKUP");
  expect(vipd.advertsReceived).toBeGreaterThan(0);
  expect(vipd.drops).toEqual({});
}, 60_000);
