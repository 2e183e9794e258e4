// keepalived's election options on a real network, between compiled vipd daemons: the unicast source check, unicast_ttl
// and a peer's TTL range (read from the IP header the kernel delivered), lower_prio_no_advert as adverts that do (not)
// arrive, and down_timer_adverts as the time a backup takes to notice a dead master.

import { afterEach, expect, test } from "bun:test";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIP = "192.0.2.100";
/** An address of a's besides its own, to send from where b does not expect it. */
const STRANGER = "192.0.2.50";

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

async function pair(): Promise<VipdCluster> {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  return c;
}

/** a unicast instance of `host` advertising to `peer` (a unicast_peer line, with options) from `src`. */
function unicast(priority: number, src: string, peer: string, extra: string[] = [], advertInt = 0.1): string {
  return instanceToml({ priority, advertInt, extra: [`unicast_src_ip = "${src}"`, `unicast_peer = ["${peer}"]`, ...extra] });
}

async function reload(c: VipdCluster, host: string, toml: string): Promise<void> {
  c.writeConfig(host, toml);
  const from = c.daemon(host).lines.length;
  c.daemon(host).proc.kill("SIGHUP");
  await c.daemon(host).waitLine((l) => l.includes("reloaded: 1 kept"), 5000, from);
}

test("check_unicast_src: adverts from a source that is not a peer are dropped (both MASTER); false accepts them", async () => {
  const c = await pair();
  const [a, b] = [c.lab.ipv4("a"), c.lab.ipv4("b")];
  c.lab.must("a", ["ip", "address", "add", `${STRANGER}/24`, "dev", "eth0"]);
  c.writeConfig("a", unicast(150, STRANGER, b));
  c.writeConfig("b", unicast(100, b, a));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "MASTER", 3000);
  expect((await c.status("b")).instances[0]!.drops["unknown-unicast-peer"]).toBeGreaterThan(0);
  await reload(c, "b", unicast(100, b, a, ["check_unicast_src = false"]));
  await c.waitState("b", "BACKUP", 2000);
  expect((await c.status("b")).instances[0]!.master).toBe(STRANGER);
  expect(c.holders(VIP)).toEqual(["a"]);
}, 60_000);

test("a peer's min_ttl / max_ttl: vipd's unicast adverts arrive with TTL 255, so max_ttl 254 drops them and min_ttl 255 not", async () => {
  const c = await pair();
  const [a, b] = [c.lab.ipv4("a"), c.lab.ipv4("b")];
  c.writeConfig("a", unicast(150, a, b));
  c.writeConfig("b", unicast(100, b, `${a} max_ttl 254`));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "MASTER", 3000);
  expect((await c.status("b")).instances[0]!.drops["bad-ttl"]).toBeGreaterThan(0);
  await reload(c, "b", unicast(100, b, `${a} min_ttl 255`));
  await c.waitState("b", "BACKUP", 2000);
  expect(c.holders(VIP)).toEqual(["a"]);
}, 60_000);

test("unicast_ttl: the adverts leave with that TTL, which the peer's min_ttl..max_ttl (200..200) accepts", async () => {
  const c = await pair();
  const [a, b] = [c.lab.ipv4("a"), c.lab.ipv4("b")];
  c.writeConfig("a", unicast(150, a, b, ["unicast_ttl = 200"]));
  c.writeConfig("b", unicast(100, b, `${a} min_ttl 200 max_ttl 200`));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);
  await Bun.sleep(500);
  expect(await c.state("b")).toBe("BACKUP");
  expect((await c.status("b")).instances[0]!.drops).toEqual({});
}, 60_000);

test("lower_prio_no_advert: a MASTER answers a lower-priority master's adverts with none of its own", async () => {
  const c = await pair();
  const [a, b] = [c.lab.ipv4("a"), c.lab.ipv4("b")];
  // b never hears a (TTL range), so it stays a lower-priority MASTER advertising every 0.1 s; a advertises every
  // second, and answers at most once per second: b receives about two adverts a second, or one without answers.
  const deaf = `${a} max_ttl 254`;
  c.writeConfig("a", unicast(150, a, b, [], 1));
  c.writeConfig("b", unicast(100, b, deaf));
  await c.start("a");
  await c.start("b");
  await c.waitState("a", "MASTER", 5000);
  await c.waitState("b", "MASTER", 5000);
  const received = async (ms: number) => {
    const before = (await c.status("b")).instances[0]!.advertsReceived;
    await Bun.sleep(ms);
    return (await c.status("b")).instances[0]!.advertsReceived - before;
  };
  const answering = await received(4000);
  await reload(c, "a", unicast(150, a, b, ["lower_prio_no_advert = true"], 1));
  await Bun.sleep(1100);
  const silent = await received(4000);
  expect(answering).toBeGreaterThanOrEqual(7);
  expect(silent).toBeGreaterThanOrEqual(3);
  expect(silent).toBeLessThanOrEqual(5);
  expect(await c.state("a")).toBe("MASTER");
}, 60_000);

test("down_timer_adverts = 10: the backup takes over 10 advert intervals (plus skew) after the master died, not 3", async () => {
  const c = await pair();
  c.writeConfig("a", instanceToml({ priority: 150 }));
  c.writeConfig("b", instanceToml({ priority: 100, extra: ["down_timer_adverts = 10"] }));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);
  // 10 × 100 ms + (256 − 100) × 100 / 256 ms.
  expect((await c.status("b")).instances[0]!.masterDownIntervalMs).toBeCloseTo(1060.938, 2);
  await Bun.sleep(300);
  const started = performance.now();
  c.daemon("a").proc.kill("SIGKILL");
  await c.waitState("b", "MASTER", 3000);
  const took = performance.now() - started;
  // The last advert left up to one interval before the kill: at least 9 intervals, at most MDI plus slack.
  expect(took).toBeGreaterThan(900);
  expect(took).toBeLessThan(1061 + 400);
}, 60_000);

test("vrrp_startup_delay: a lone router takes over the delay plus Master_Down_Interval after it started", async () => {
  const c = await pair();
  c.writeConfig("a", `[global]\nvrrp_startup_delay = 1.5\n${instanceToml({ priority: 150 })}`);
  const started = performance.now();
  await c.start("a");
  await c.waitState("a", "MASTER", 5000);
  const took = performance.now() - started;
  // 1.5 s + 300 ms + (256 − 150) × 100 / 256 ms ≈ 1841 ms after the start (plus the start itself).
  expect(took).toBeGreaterThan(1800);
  expect(took).toBeLessThan(1841 + 1500);
  expect(c.daemon("a").lines.some((l) => l.includes("startup delay (vrrp_startup_delay): no takeover for 1.5 s"))).toBe(true);
}, 60_000);
