// The web pair of the two articles keepalived users learn from (issue #13): AH authentication, an nginx check of
// weight 4, notify_master, e-mail alerts. Both variants — MASTER/BACKUP, and BACKUP + nopreempt on both nodes —
// convert with `vipd convert` (exit 0) and run as a mixed pair: one node keepalived 2.2.7 with the original, the
// other vipd with the converted file. The article's 10.12.166.x addresses become the lab's 192.0.2.x; `killall -0
// nginx` becomes a script testing a flag file (the "nginx" of each node); the SMTP server is 127.0.0.1 in each
// node's namespace, where nothing listens (mails fail at once, as they would without a mail server).

import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keepalivedRejections } from "./interop-pair.ts";
import { Keepalived } from "./keepalived.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIP = "192.0.2.80";
/** The article's priorities: 100 on the first node, 99 on the second; the nginx check adds 4 while nginx runs. */
const FIRST = 100;
const SECOND = 99;
const WEIGHT = 4;

interface Node {
  state: "MASTER" | "BACKUP";
  priority: number;
  nopreempt: boolean;
}

/**
 * The article's keepalived.conf for one node, `dir` holding the stand-in scripts. Blocks are written over several
 * lines, as the articles do: keepalived reads one statement per line, so `authentication { auth_type AH auth_pass X }`
 * on one line would set no password and run without authentication (vipd convert says so, test/convert).
 */
function articleConf(node: Node, srcIp: string, smtpServer: string, dir: string, host: string): string {
  return `global_defs {
  notification_email {
    admin@example.com
  }
  notification_email_from vipd@example.com
  smtp_server ${smtpServer}
  smtp_connect_timeout 30
}
vrrp_script chk_nginx {
  script "${dir}/chk_nginx.sh ${nginxFlag(dir, host)}"
  interval 2
  weight ${WEIGHT}
}
vrrp_instance VI_1 {
  state ${node.state}
  interface eth0
  mcast_src_ip ${srcIp}
  virtual_router_id 50
  priority ${node.priority}
  advert_int 1
${node.nopreempt ? "  nopreempt\n" : ""}  smtp_alert
  authentication {
    auth_type AH
    auth_pass Aa123456
  }
  virtual_ipaddress {
    ${VIP}
  }
  track_script {
    chk_nginx
  }
  notify_master "${dir}/notify.sh ${notifiedFile(dir, host)} master"
}
`;
}

const nginxFlag = (dir: string, host: string) => join(dir, `${host}.nginx-running`);
const notifiedFile = (dir: string, host: string) => join(dir, `${host}.notified`);

let cluster: VipdCluster | null = null;
let keepalived: Keepalived | null = null;
afterEach(async () => {
  await keepalived?.stop();
  keepalived = null;
  await cluster?.destroy();
  cluster = null;
});

/** A lab with the two nodes ("ka" and "vipd"), the stand-in scripts and both nginx "running". */
async function lab(): Promise<VipdCluster> {
  vipdBinary();
  const c = await VipdCluster.create(["ka", "vipd"], false);
  cluster = c;
  const dir = c.lab.dir;
  writeFileSync(
    join(dir, "chk_nginx.sh"),
    '#!/bin/sh\n# stands in for "killall -0 nginx": nginx runs while its flag exists\n[ -e "$1" ]\n',
  );
  writeFileSync(join(dir, "notify.sh"), '#!/bin/sh\nf=$1; shift\necho "$@" >> "$f"\n');
  chmodSync(join(dir, "chk_nginx.sh"), 0o755);
  chmodSync(join(dir, "notify.sh"), 0o755);
  for (const host of ["ka", "vipd"]) writeFileSync(nginxFlag(dir, host), "");
  return c;
}

/** `vipd convert` of the article as written (its SMTP server included) exits 0; returns its warnings. */
function convertsCleanly(c: VipdCluster, node: Node): string {
  const source = join(c.lab.dir, "article-as-written.conf");
  writeFileSync(source, articleConf(node, "192.0.2.11", "192.0.2.25", c.lab.dir, "vipd"));
  const r = Bun.spawnSync([vipdBinary(), "convert", source, "-o", join(c.lab.dir, "article-as-written.toml")], {
    stdout: "pipe",
    stderr: "pipe",
  });
  expect({ code: r.exitCode, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: expect.any(String) });
  return r.stderr.toString();
}

/** Converts the node's article config for vipd, checks it, and starts keepalived and vipd with their files. */
async function startPair(c: VipdCluster, nodes: { ka: Node; vipd: Node }, vipdFirst: boolean): Promise<void> {
  const dir = c.lab.dir;
  const source = join(dir, "vipd-keepalived.conf");
  writeFileSync(source, articleConf(nodes.vipd, c.lab.ipv4("vipd"), "127.0.0.1", dir, "vipd"));
  const convert = Bun.spawnSync([vipdBinary(), "convert", source, "-o", c.configPath("vipd")], { stdout: "pipe", stderr: "pipe" });
  expect({ code: convert.exitCode, stderr: convert.stderr.toString() }).toEqual({ code: 0, stderr: expect.any(String) });
  const check = Bun.spawnSync([vipdBinary(), "check", "-c", c.configPath("vipd")], { stdout: "pipe", stderr: "pipe" });
  expect(check.exitCode).toBe(0);
  const kaConf = articleConf(nodes.ka, c.lab.ipv4("ka"), "127.0.0.1", dir, "ka");
  if (vipdFirst) {
    await c.start("vipd");
    await c.waitState("vipd", "MASTER", 8000);
    keepalived = Keepalived.start(c.lab, "ka", "ka", kaConf);
    await keepalived.waitLog(/\(VI_1\) Entering BACKUP STATE/, 5000);
  } else {
    keepalived = Keepalived.start(c.lab, "ka", "ka", kaConf);
    await keepalived.waitLog(/\(VI_1\) Entering BACKUP STATE/, 5000);
    await c.start("vipd");
  }
}

/** keepalived's current state, from its last "Entering … STATE" line. */
function kaState(): string {
  const lines = keepalived!.proc.lines;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /\(VI_1\) Entering (\w+) STATE/.exec(lines[i]!);
    if (m) return m[1]!;
  }
  return "INIT";
}

async function waitKaState(state: string, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (kaState() !== state && performance.now() < until) await Bun.sleep(20);
  expect(`keepalived ${kaState()}`).toBe(`keepalived ${state}`);
}

async function waitHolders(c: VipdCluster, expected: string[], timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (JSON.stringify(c.holders(VIP)) !== JSON.stringify(expected) && performance.now() < until) await Bun.sleep(20);
  expect(c.holders(VIP)).toEqual(expected);
}

async function vipdInstance(c: VipdCluster) {
  return (await c.status("vipd")).instances[0]!;
}

/** Neither side dropped an advert of the other (AH checks included). */
async function expectNoRejections(c: VipdCluster): Promise<void> {
  expect(keepalivedRejections(keepalived!.proc.lines)).toEqual([]);
  expect((await vipdInstance(c)).drops).toEqual({});
}

describe("the article's MASTER/BACKUP pair with AH", () => {
  test("converts with exit 0; state MASTER is read as BACKUP, as keepalived does with AH", async () => {
    const c = await lab();
    expect(convertsCleanly(c, { state: "MASTER", priority: FIRST, nopreempt: false })).toContain(
      'keepalived clears state MASTER with AH authentication ("incompatible"), written as "BACKUP"',
    );
    const toml = readFileSync(join(c.lab.dir, "article-as-written.toml"), "utf8");
    expect(toml).toContain('authentication = { auth_type = "AH", auth_pass = "Aa123456" }');
    expect(toml).toContain('state = "BACKUP"');
  }, 60_000);

  for (const vipdIsMaster of [true, false]) {
    const master = vipdIsMaster ? "vipd" : "ka";
    const backup = vipdIsMaster ? "ka" : "vipd";
    test(`${master === "ka" ? "keepalived" : "vipd"} is the article's MASTER: election, the nginx check lowering it by its weight, failover`, async () => {
      const c = await lab();
      const nodes = {
        [master]: { state: "MASTER", priority: FIRST, nopreempt: false },
        [backup]: { state: "BACKUP", priority: SECOND, nopreempt: false },
      } as { ka: Node; vipd: Node };
      await startPair(c, nodes, false);
      // Both start BACKUP (AH); the higher priority (100 + 4 against 99 + 4) wins the election.
      if (vipdIsMaster) await c.waitState("vipd", "MASTER", 10_000);
      else await waitKaState("MASTER", 10_000);
      await Bun.sleep(1500);
      expect([await c.state("vipd"), kaState()]).toEqual(vipdIsMaster ? ["MASTER", "BACKUP"] : ["BACKUP", "MASTER"]);
      await waitHolders(c, [master], 2000);
      expect((await vipdInstance(c)).priority).toBe(nodes.vipd.priority + WEIGHT);
      if (vipdIsMaster) expect(readFileSync(notifiedFile(c.lab.dir, "vipd"), "utf8")).toContain("master");

      // nginx stops on the master: its priority falls by 4 (100 < 103) and the backup preempts it.
      rmSync(nginxFlag(c.lab.dir, master));
      if (vipdIsMaster) {
        await c.waitState("vipd", "BACKUP", 10_000);
        await waitKaState("MASTER", 1000);
        expect((await vipdInstance(c)).priority).toBe(FIRST);
      } else {
        await keepalived!.waitLog(/\(VI_1\) Changing effective priority from 104 to 100/, 6000);
        await c.waitState("vipd", "MASTER", 10_000);
        await waitKaState("BACKUP", 2000);
      }
      await waitHolders(c, [backup], 2000);
      if (!vipdIsMaster) expect(readFileSync(notifiedFile(c.lab.dir, "vipd"), "utf8")).toContain("master");

      // nginx is back: 104 again, and the article's MASTER preempts.
      writeFileSync(nginxFlag(c.lab.dir, master), "");
      if (vipdIsMaster) await c.waitState("vipd", "MASTER", 10_000);
      else await waitKaState("MASTER", 10_000);
      await waitHolders(c, [master], 3000);

      // The master dies without a word: the backup takes over within its Master_Down_Interval (≈ 3.6 s).
      if (vipdIsMaster) {
        c.daemon("vipd").proc.kill("SIGKILL");
        await waitKaState("MASTER", 5000);
        expect(keepalivedRejections(keepalived!.proc.lines)).toEqual([]);
      } else {
        await expectNoRejections(c);
        await keepalived!.crash();
        await c.waitState("vipd", "MASTER", 5000);
        expect((await vipdInstance(c)).drops).toEqual({});
      }
    }, 90_000);
  }
});

describe("the article's second variant: BACKUP + nopreempt on both nodes, with AH", () => {
  test("converts with exit 0, nopreempt kept on both", async () => {
    const c = await lab();
    convertsCleanly(c, { state: "BACKUP", priority: FIRST, nopreempt: true });
    expect(readFileSync(join(c.lab.dir, "article-as-written.toml"), "utf8")).toContain("nopreempt = true");
  }, 60_000);

  test("the first node up stays MASTER; the nginx check lowers it by 4 without a takeover; failover on stop", async () => {
    const c = await lab();
    const nodes: { ka: Node; vipd: Node } = {
      vipd: { state: "BACKUP", priority: FIRST, nopreempt: true },
      ka: { state: "BACKUP", priority: SECOND, nopreempt: true },
    };
    await startPair(c, nodes, true);
    // vipd was alone when it became MASTER; keepalived joins and follows it.
    await Bun.sleep(4500); // longer than keepalived's Master_Down_Interval
    expect([await c.state("vipd"), kaState()]).toEqual(["MASTER", "BACKUP"]);
    await waitHolders(c, ["vipd"], 1000);
    expect((await vipdInstance(c)).priority).toBe(FIRST + WEIGHT);

    // nginx stops on vipd: 100 now, below keepalived's 103, but nopreempt keeps keepalived BACKUP.
    rmSync(nginxFlag(c.lab.dir, "vipd"));
    const until = performance.now() + 6000;
    while ((await vipdInstance(c)).priority !== FIRST && performance.now() < until) await Bun.sleep(50);
    expect((await vipdInstance(c)).priority).toBe(FIRST);
    await Bun.sleep(4500); // longer than keepalived's Master_Down_Interval: it heard 100 and stayed
    expect([await c.state("vipd"), kaState()]).toEqual(["MASTER", "BACKUP"]);
    await expectNoRejections(c);

    // vipd stops (priority 0): keepalived takes over within its Skew_Time.
    c.daemon("vipd").proc.kill("SIGTERM");
    await waitKaState("MASTER", 3000);
    await waitHolders(c, ["ka"], 3000);

    // vipd comes back with nginx running (104 > 103) and, nopreempt, stays BACKUP behind keepalived.
    writeFileSync(nginxFlag(c.lab.dir, "vipd"), "");
    await c.start("vipd");
    await Bun.sleep(5000);
    expect([await c.state("vipd"), kaState()]).toEqual(["BACKUP", "MASTER"]);
    const i = await vipdInstance(c);
    expect(i).toMatchObject({ priority: FIRST + WEIGHT, master: c.lab.ipv4("ka"), drops: {} });
    await expectNoRejections(c);
  }, 90_000);
});
