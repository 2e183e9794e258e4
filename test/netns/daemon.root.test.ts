// The compiled vipd daemon, two or three of them, on a real kernel network (namespaces and a bridge), with a
// client pinging the VIP: election, failures, planned stops, preemption rules, trackers, sync groups, and the
// clean-up after a SIGKILL.

import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIP = "192.0.2.100";
// v3 at 0.1 s: Master_Down_Interval is 300 ms + skew (≤ 100 ms).
const MDI_MAX_MS = 400;
const SLACK_MS = 400;

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

async function twoNodes(aExtra: string[] = [], bExtra: string[] = [], client = true): Promise<VipdCluster> {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], client);
  c.writeConfig("a", instanceToml({ priority: 150, extra: aExtra }));
  c.writeConfig("b", instanceToml({ priority: 100, extra: bExtra }));
  cluster = c;
  return c;
}

/** a (priority 150) becomes MASTER alone, then b joins as BACKUP. */
async function startMasterThenBackup(c: VipdCluster): Promise<void> {
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);
}

test("election: three nodes, the highest priority holds the VIP, the others are BACKUP", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b", "c"]);
  cluster = c;
  c.writeConfig("a", instanceToml({ priority: 100 }));
  c.writeConfig("b", instanceToml({ priority: 200 }));
  c.writeConfig("c", instanceToml({ priority: 150 }));
  await Promise.all(["a", "b", "c"].map((h) => c.start(h)));
  await c.waitState("b", "MASTER", 3000);
  await Bun.sleep(MDI_MAX_MS);
  expect(await Promise.all(["a", "b", "c"].map((h) => c.state(h)))).toEqual(["BACKUP", "MASTER", "BACKUP"]);
  expect(c.holders(VIP)).toEqual(["b"]);
  const status = await c.status("a");
  expect(status.instances[0]).toMatchObject({ state: "BACKUP", master: c.lab.ipv4("b"), priority: 100, drops: {} });
  // The client reaches the VIP.
  expect(c.lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).code).toBe(0);
}, 30_000);

test("hard failure: the master's link goes down, the backup takes over within Master_Down_Interval", async () => {
  const c = await twoNodes();
  await startMasterThenBackup(c);
  await Bun.sleep(300);
  c.lab.linkSet("bridge", c.lab.bridgePort("a"), "down");
  const took = await c.waitState("b", "MASTER", MDI_MAX_MS + SLACK_MS);
  expect(took).toBeLessThan(MDI_MAX_MS + SLACK_MS);
  // a sees its carrier gone: FAULT, and it gives the address up.
  await c.waitState("a", "FAULT", 2000);
  expect(c.holders(VIP)).toEqual(["b"]);
  // The link returns: a is BACKUP, then preempts.
  c.lab.linkSet("bridge", c.lab.bridgePort("a"), "up");
  await c.waitState("a", "MASTER", 3000);
  await c.waitState("b", "BACKUP", 2000);
}, 30_000);

test("graceful stop: a client pinging the VIP every 2 ms loses nothing (handover)", async () => {
  const c = await twoNodes();
  await startMasterThenBackup(c);
  const ping = c.ping(VIP, 2);
  await Bun.sleep(500);
  await c.daemon("a").stop(5000);
  expect(c.daemon("a").proc.exitCode).toBe(0);
  await c.waitState("b", "MASTER", 2000);
  await Bun.sleep(500);
  const result = await ping.finish();
  expect(result.sent).toBeGreaterThan(200);
  expect(result.lost).toBe(0);
  expect(c.holders(VIP)).toEqual(["b"]);
  expect(c.daemon("a").lines.some((l) => l.includes("Entering STOP STATE from MASTER (handover complete"))).toBe(true);
}, 30_000);

test("preempt: the higher priority takes the VIP back when it returns", async () => {
  const c = await twoNodes();
  await c.start("b");
  await c.waitState("b", "MASTER", 3000);
  await c.start("a");
  await c.waitState("a", "MASTER", MDI_MAX_MS + SLACK_MS + 500);
  await c.waitState("b", "BACKUP", 1000);
  expect(c.holders(VIP)).toEqual(["a"]);
}, 30_000);

test("nopreempt: a returning higher priority leaves the live master alone", async () => {
  const c = await twoNodes(["nopreempt = true"]);
  await c.start("b");
  await c.waitState("b", "MASTER", 3000);
  await c.start("a");
  await c.waitState("a", "BACKUP", 1000);
  await Bun.sleep(5 * MDI_MAX_MS);
  expect(await c.state("a")).toBe("BACKUP");
  expect(await c.state("b")).toBe("MASTER");
  expect(c.holders(VIP)).toEqual(["b"]);
}, 30_000);

test("preempt_delay: a returning higher priority waits the delay before taking over", async () => {
  const c = await twoNodes(["preempt_delay = 1.5"]);
  await c.start("b");
  await c.waitState("b", "MASTER", 3000);
  const started = performance.now();
  await c.start("a");
  await c.waitState("a", "MASTER", 5000);
  const after = performance.now() - started;
  expect(after).toBeGreaterThan(1500 + 300);
  expect(after).toBeLessThan(1500 + MDI_MAX_MS + 1500);
}, 30_000);

test("track_script: failure moves the VIP away (FAULT), recovery brings it back", async () => {
  const c = await twoNodes();
  const flag = join(c.lab.dir, "healthy");
  writeFileSync(flag, "");
  const script = [`[scripts.chk]`, `script = "/usr/bin/test -e ${flag}"`, `interval = 0.1`, `fall = 2`, `rise = 2`, ""].join("\n");
  c.writeConfig("a", `${script}${instanceToml({ priority: 150, extra: [`track_script = ["chk"]`] })}`);
  await c.start("a");
  await c.start("b");
  await c.waitState("a", "MASTER", 3000);
  rmSync(flag);
  await c.waitState("a", "FAULT", 2000);
  await c.waitState("b", "MASTER", 2000);
  expect(c.holders(VIP)).toEqual(["b"]);
  writeFileSync(flag, "");
  await c.waitState("a", "MASTER", 3000);
  expect(c.holders(VIP)).toEqual(["a"]);
}, 30_000);

test("track_interface with a weight: a second link going down lowers the priority and the backup preempts", async () => {
  const c = await twoNodes([`track_interface = ["eth1 weight -60"]`]);
  // eth1: a veth pair inside a's namespace, so only a's tracked link changes.
  c.lab.must("a", ["ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1p"]);
  c.lab.must("a", ["ip", "link", "set", "eth1", "up"]);
  c.lab.must("a", ["ip", "link", "set", "eth1p", "up"]);
  await c.start("a");
  await c.start("b");
  await c.waitState("a", "MASTER", 3000);
  c.lab.must("a", ["ip", "link", "set", "eth1p", "down"]);
  await c.waitState("b", "MASTER", 2000);
  expect((await c.status("a")).instances[0]).toMatchObject({ state: "BACKUP", priority: 90, basePriority: 150 });
  c.lab.must("a", ["ip", "link", "set", "eth1p", "up"]);
  await c.waitState("a", "MASTER", 3000);
}, 30_000);

test("sync group: one member failing takes the whole group over to the other node", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"]);
  cluster = c;
  const flag = join(c.lab.dir, "healthy");
  writeFileSync(flag, "");
  const node = (priority: number, tracked: boolean) =>
    [
      tracked ? `[scripts.chk]\nscript = "/usr/bin/test -e ${flag}"\ninterval = 0.1\n` : "",
      `[sync_groups.G]\ngroup = ["VI_1", "VI_2"]\n`,
      instanceToml({ name: "VI_1", vrid: 51, priority, vip: "192.0.2.100", extra: tracked ? [`track_script = ["chk"]`] : [] }),
      instanceToml({ name: "VI_2", vrid: 52, priority, vip: "192.0.2.101" }),
    ].join("\n");
  c.writeConfig("a", node(150, true));
  c.writeConfig("b", node(100, false));
  await c.start("a");
  await c.start("b");
  await c.waitState("a", "MASTER", 3000, "VI_2");
  rmSync(flag);
  await c.waitState("b", "MASTER", 2000, "VI_1");
  await c.waitState("b", "MASTER", 2000, "VI_2");
  expect(await c.state("a", "VI_2")).toBe("FAULT");
  expect([c.holders("192.0.2.100"), c.holders("192.0.2.101")]).toEqual([["b"], ["b"]]);
}, 30_000);

test("SIGKILL leaves the VIP behind; the restarted daemon removes it before anything else", async () => {
  const c = await twoNodes([], [], false);
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  c.daemon("a").proc.kill("SIGKILL");
  await c.daemon("a").proc.exited;
  expect(c.holds("a", VIP)).toBe(true);
  await c.start("b");
  await c.waitState("b", "MASTER", 3000);
  const restarted = await c.start("a");
  expect(restarted.lines.some((l) => l.includes(`removed ${VIP}/24 from eth0: left behind by an earlier run of VI_1`))).toBe(true);
  // Then the normal election: a preempts b.
  await c.waitState("a", "MASTER", 3000);
  await c.waitState("b", "BACKUP", 1000);
  expect(c.holders(VIP)).toEqual(["a"]);
}, 30_000);

test("a config error keeps the daemon from starting and names the file, line and key", async () => {
  const c = await twoNodes([], [], false);
  c.writeConfig("a", instanceToml({ priority: 300 }));
  const daemon = c.lab.spawn("a", [vipdBinary(), "run", "-c", c.configPath("a"), "-s", c.socketPath("a")]);
  await daemon.proc.exited;
  expect(daemon.proc.exitCode).toBe(1);
  await Bun.sleep(50); // the last output lines are read after the exit
  expect(daemon.lines.join("\n")).toContain(`${c.configPath("a")}:4: instances.VI_1.priority:`);
  expect(c.lab.addressList("a").some((a) => a.startsWith(VIP))).toBe(false);
}, 30_000);

test("a missing interface is a clear start-up error", async () => {
  const c = await twoNodes([], [], false);
  c.writeConfig("a", instanceToml({ priority: 150 }).replace('interface = "eth0"', 'interface = "eth7"'));
  const daemon = c.lab.spawn("a", [vipdBinary(), "run", "-c", c.configPath("a"), "-s", c.socketPath("a")]);
  await daemon.proc.exited;
  expect(daemon.proc.exitCode).toBe(1);
  await Bun.sleep(50);
  expect(daemon.lines.join("\n")).toContain("instance VI_1: interface eth7 does not exist");
}, 30_000);

test("dynamic_interfaces: an instance waits in FAULT for its interface, starts when it appears, survives it going and coming back", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  const config = `[global]\ndynamic_interfaces = true\n\n${instanceToml({ priority: 150, vip: "198.51.100.100" }).replace('interface = "eth0"', 'interface = "eth1"')}`;
  c.writeConfig("a", config);
  await c.start("a");
  expect((await c.status("a")) as unknown).toMatchObject({ instances: [], waiting: [{ instance: "VI_1", ifname: "eth1" }] });
  const addEth1 = () => {
    c.lab.must("a", ["ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1p"]);
    c.lab.must("a", ["ip", "addr", "add", "198.51.100.1/24", "dev", "eth1"]);
    c.lab.must("a", ["ip", "link", "set", "eth1p", "up"]);
    c.lab.must("a", ["ip", "link", "set", "eth1", "up"]);
  };
  addEth1();
  await c.waitState("a", "MASTER", 3000);
  expect(c.lab.addressList("a", "eth1")).toContain("198.51.100.100/24");
  c.lab.must("a", ["ip", "link", "del", "eth1"]);
  await c.waitState("a", "FAULT", 2000);
  addEth1();
  await c.waitState("a", "MASTER", 3000);
  expect(c.lab.addressList("a", "eth1")).toContain("198.51.100.100/24");
  const status = await c.status("a");
  expect(status.transports.find((t) => t.ifname === "eth1")?.sent ?? 0).toBeGreaterThan(0);
}, 30_000);

test("notify scripts run with keepalived's conventions, in order, and notify_fifo gets one line per change", async () => {
  const c = await twoNodes([], [], false);
  const log = join(c.lab.dir, "notify.log");
  const fifo = join(c.lab.dir, "notify.fifo");
  writeFileSync(fifo, "");
  const script = join(c.lab.dir, "notify.sh");
  writeFileSync(script, `#!/bin/sh\necho "$*" >> ${log}\n`, { mode: 0o755 });
  c.writeConfig(
    "a",
    instanceToml({
      priority: 150,
      extra: [`notify_master = "${script} became-master"`, `notify = "${script} generic"`, `notify_fifo = "${fifo}"`],
    }),
  );
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.daemon("a").stop(5000);
  const lines = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  for (let i = 0; i < 100 && lines().length < 4; i++) await Bun.sleep(20);
  expect(lines()).toEqual([
    "generic INSTANCE VI_1 BACKUP 150",
    "became-master",
    "generic INSTANCE VI_1 MASTER 150",
    "generic INSTANCE VI_1 STOP 150",
  ]);
  expect(readFileSync(fifo, "utf8")).toBe('INSTANCE "VI_1" BACKUP 150\nINSTANCE "VI_1" MASTER 150\nINSTANCE "VI_1" STOP 150\n');
}, 30_000);

test("a backup whose MAC address changed announces the new one when it takes over: clients follow it", async () => {
  const c = await twoNodes();
  await startMasterThenBackup(c);
  // The client knows the VIP at a's MAC; from now on only a gratuitous ARP can change that entry.
  c.lab.must("client", ["ping", "-c", "1", "-W", "1", VIP]);
  expect(c.lab.must("client", ["ip", "neigh", "show", VIP])).toContain(c.lab.mac("a"));
  const newMac = "00:00:5e:00:53:42"; // RFC 7042 documentation range
  const from = c.daemon("b").lines.length;
  c.lab.must("b", ["ip", "link", "set", "dev", "eth0", "address", newMac]);
  await Bun.sleep(200); // the daemon hears of the change from rtnetlink
  c.lab.linkSet("bridge", c.lab.bridgePort("a"), "down");
  await c.waitState("b", "MASTER", MDI_MAX_MS + SLACK_MS);
  let entry = "";
  for (let i = 0; i < 100 && !entry.includes(newMac); i++, await Bun.sleep(20)) entry = c.lab.must("client", ["ip", "neigh", "show", VIP]);
  expect(entry).toContain(newMac);
  expect(
    c
      .daemon("b")
      .lines.slice(from)
      .filter((l) => l.includes("gratuitous announcement")),
  ).toEqual([]);
}, 30_000);

test("a VIP deleted behind the daemon's back (ip addr del) is restored at once", async () => {
  const c = await twoNodes([], [], false);
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  const from = c.daemon("a").lines.length;
  c.lab.must("a", ["ip", "addr", "del", `${VIP}/24`, "dev", "eth0"]);
  await c
    .daemon("a")
    .waitLine((l) => l.includes(`VIP ${VIP}/24 on eth0 was removed by someone else while MASTER; restoring it`), 2000, from);
  expect(c.holds("a", VIP)).toBe(true);
}, 30_000);

test("track_file: the number in the file times the weight moves the priority, and the VIP with it", async () => {
  const c = await twoNodes();
  const file = join(c.lab.dir, "weight");
  writeFileSync(file, "0\n");
  c.writeConfig(
    "a",
    `[track_files.maint]\nfile = "${file}"\nweight = -10\n\n${instanceToml({ priority: 150, extra: [`track_file = ["maint"]`] })}`,
  );
  await c.start("a");
  await c.start("b");
  await c.waitState("a", "MASTER", 3000);
  writeFileSync(file, "6\n"); // 150 - 60 = 90 < 100
  await c.waitState("b", "MASTER", 5000);
  expect((await c.status("a")).instances[0]).toMatchObject({ state: "BACKUP", priority: 90 });
  writeFileSync(file, "0\n");
  await c.waitState("a", "MASTER", 5000);
}, 30_000);

test("virtual_routes and virtual_rules are added on MASTER and removed on leaving it", async () => {
  const c = await twoNodes(
    [
      `virtual_routes = ["203.0.113.0/24 via 192.0.2.254 dev eth0", "blackhole 198.51.100.0/24"]`,
      `virtual_rules = ["from 192.0.2.100/32 table 100 priority 1000"]`,
    ],
    [],
    false,
  );
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  const routes = () => c.lab.must("a", ["ip", "route", "show"]);
  const rules = () => c.lab.must("a", ["ip", "rule", "show"]);
  expect(routes()).toContain("203.0.113.0/24 via 192.0.2.254 dev eth0");
  expect(routes()).toContain("blackhole 198.51.100.0/24");
  expect(rules()).toContain("1000:\tfrom 192.0.2.100 lookup 100");
  await c.daemon("a").stop(5000);
  expect(routes()).not.toContain("203.0.113.0/24");
  expect(routes()).not.toContain("198.51.100.0/24");
  expect(rules()).not.toContain("lookup 100");
}, 30_000);
