// SIGHUP reloads of a running vipd under client traffic: nothing the new config keeps is ever removed, and a
// broken file changes nothing.

import { afterEach, expect, test } from "bun:test";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIP = "192.0.2.100";
const VIP2 = "192.0.2.101";

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

async function pair(): Promise<VipdCluster> {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"]);
  cluster = c;
  c.writeConfig("a", instanceToml({ priority: 150 }));
  c.writeConfig("b", instanceToml({ priority: 100 }));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);
  return c;
}

function hup(c: VipdCluster, host: string): number {
  const from = c.daemon(host).lines.length;
  c.daemon(host).proc.kill("SIGHUP");
  return from;
}

test("reload adding a VIP, then removing it again: the first VIP never stops answering", async () => {
  const c = await pair();
  const ping = c.ping(VIP, 2);
  await Bun.sleep(300);
  c.writeConfig("a", instanceToml({ priority: 150, extra: [] }).replace(`["${VIP}/24"]`, `["${VIP}/24", "${VIP2}/24"]`));
  c.writeConfig("b", instanceToml({ priority: 100 }).replace(`["${VIP}/24"]`, `["${VIP}/24", "${VIP2}/24"]`));
  let from = hup(c, "a");
  hup(c, "b");
  await c.daemon("a").waitLine((l) => l.includes("reloaded: 1 kept"), 5000, from);
  expect(c.holds("a", VIP2)).toBe(true);
  expect(c.lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP2]).code).toBe(0);
  c.writeConfig("a", instanceToml({ priority: 150 }));
  c.writeConfig("b", instanceToml({ priority: 100 }));
  from = hup(c, "a");
  hup(c, "b");
  await c.daemon("a").waitLine((l) => l.includes("reloaded: 1 kept"), 5000, from);
  await Bun.sleep(300);
  const result = await ping.finish();
  expect(result.lost).toBe(0);
  expect(result.sent).toBeGreaterThan(100);
  expect(c.holds("a", VIP)).toBe(true);
  expect(c.holds("a", VIP2)).toBe(false);
  expect(await c.state("a")).toBe("MASTER");
  // Both daemons reload on their own SIGHUP: an advert a sends between its reload and b's carries the other VIP
  // list, which b counts as an address-count mismatch and drops (keepalived does the same). One such window per
  // reload at most; any other drop is a fault.
  const { "address-count-mismatch": mismatches = 0, ...otherDrops } = (await c.status("b")).instances[0]!.drops;
  expect(otherDrops).toEqual({});
  expect(mismatches).toBeLessThanOrEqual(2);
}, 30_000);

test("reload raising the backup's priority: it preempts, and the client loses nothing", async () => {
  const c = await pair();
  const ping = c.ping(VIP, 2);
  await Bun.sleep(300);
  c.writeConfig("b", instanceToml({ priority: 200 }));
  hup(c, "b");
  await c.waitState("b", "MASTER", 3000);
  await c.waitState("a", "BACKUP", 1000);
  await Bun.sleep(300);
  const result = await ping.finish();
  expect(result.lost).toBe(0);
  expect(c.holders(VIP)).toEqual(["b"]);
}, 30_000);

test("reload with a broken file: every problem is logged, and the daemon goes on with what it had", async () => {
  const c = await pair();
  c.writeConfig("a", instanceToml({ priority: 150 }).replace("priority = 150", "priority = 999"));
  const from = hup(c, "a");
  const { line } = await c.daemon("a").waitLine((l) => l.includes("instances.VI_1.priority"), 5000, from);
  expect(line).toContain(`${c.configPath("a")}:4: instances.VI_1.priority:`);
  await c.daemon("a").waitLine((l) => l.includes("reload aborted: still running on the previous configuration"), 2000, from);
  await Bun.sleep(500);
  expect(await c.state("a")).toBe("MASTER");
  expect((await c.status("a")).instances[0]!.priority).toBe(150);
  expect(c.holders(VIP)).toEqual(["a"]);
}, 30_000);
