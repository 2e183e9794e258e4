// No-accept mode end to end: the real daemon as a non-owner MASTER with accept = false holds its VIP but takes no
// packet addressed to it (a client's ping and TCP are dropped, the host's own address answers); with accept = true
// the VIP answers; the nftables table goes at stop, and a table left by a killed daemon goes at the next start.
import { afterEach, expect, test } from "bun:test";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIP = "192.0.2.100";
let cluster: VipdCluster | null = null;

afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

function ping(c: VipdCluster, address: string): boolean {
  return c.lab.exec("client", ["ping", "-n", "-c", "1", "-W", "1", address], 5000).code === 0;
}

/** "refused" when the router's kernel answered (no listener: RST), "timeout" when the SYN was dropped. */
function tcp(c: VipdCluster, address: string): string {
  const r = c.lab.exec("client", ["timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${address}/9`], 5000);
  return r.code === 124 ? "timeout" : r.stderr.includes("refused") ? "refused" : `other: ${r.stderr}`;
}

function tables(c: VipdCluster): string {
  return c.lab.must("a", ["nft", "list", "tables"]).trim();
}

async function master(c: VipdCluster, extra: string[]): Promise<void> {
  c.writeConfig("a", instanceToml({ priority: 100, extra }));
  await c.start("a");
  await c.waitState("a", "MASTER", 5000);
  expect(c.holds("a", VIP)).toBe(true);
}

test("accept = false: the MASTER holds the VIP but drops what is addressed to it; stop removes the table", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a"]);
  cluster = c;
  await master(c, ["accept = false"]);
  expect(c.lab.must("a", ["nft", "list", "set", "inet", "vipd", "vips4"])).toContain(VIP);
  expect([ping(c, VIP), tcp(c, VIP)]).toEqual([false, "timeout"]);
  expect([ping(c, c.lab.ipv4("a")), tcp(c, c.lab.ipv4("a"))]).toEqual([true, "refused"]);
  await c.daemon("a").stop();
  expect(c.holds("a", VIP)).toBe(false);
  expect(tables(c)).toBe("");
}, 30_000);

test("accept = true (the default): the VIP answers and no table is set up", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a"]);
  cluster = c;
  await master(c, []);
  expect([ping(c, VIP), tcp(c, VIP)]).toEqual([true, "refused"]);
  expect(tables(c)).toBe("");
  await c.daemon("a").stop();
}, 30_000);

test("a table left by a killed daemon is removed at the next start when nothing needs it", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a"]);
  cluster = c;
  await master(c, ["accept = false"]);
  c.daemon("a").proc.kill("SIGKILL");
  await c.daemon("a").proc.exited;
  expect(tables(c)).toBe("table inet vipd");
  c.writeConfig("a", instanceToml({ priority: 100 }));
  await c.start("a");
  expect(tables(c)).toBe("");
  await c.waitState("a", "MASTER", 5000);
  expect(ping(c, VIP)).toBe(true);
  await c.daemon("a").stop();
}, 30_000);
