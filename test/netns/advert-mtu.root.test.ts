// #12 item 3: 100 IPv6 VIPs on a 1500-byte link. Before the fix building the advert threw (92 VIPs: the kernel
// fragmented it and the backup's receive path dropped the fragments): two masters. Now, as keepalived does, only
// the 89 VIPs that fit one unfragmented advert are advertised, the rest are excluded (still added), with a warning;
// the advert on the wire is one whole packet and the backup hears it.

import { afterEach, expect, test } from "bun:test";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIPS = 100;
const FITS = 89; // (1500 - 14 - 40 - 8) / 16, keepalived's count
const MDI_MAX_MS = 400; // v3 at 0.1 s: 300 ms + skew

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

function instance(priority: number): string {
  const vips = Array.from({ length: VIPS }, (_, i) => `"2001:db8:0:1::${(i + 1).toString(16)}/64"`).join(", ");
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
