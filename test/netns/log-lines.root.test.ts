// A real daemon's log, grepped as an operator used to keepalived greps it: state changes, VIPs, one line per
// gratuitous ARP burst, a track script's verdict with its exit status and duration, the effective priority with
// the tracker that moved it, notify scripts started and ended, and a reload that says what changed.

import { afterEach, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

test("the daemon's log carries keepalived's wording for what happened, with causes, statuses and durations", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  const flag = join(c.lab.dir, "healthy");
  writeFileSync(flag, "");
  const notify = join(c.lab.dir, "notify.sh");
  writeFileSync(notify, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const aConfig = (priority: number) =>
    [
      `[scripts.chk]\nscript = "/usr/bin/test -e ${flag}"\ninterval = 0.1\nfall = 1\nrise = 1\nweight = -60\n`,
      instanceToml({ priority, extra: [`track_script = ["chk"]`, `notify = "${notify}"`] }),
    ].join("\n");
  c.writeConfig("a", aConfig(150));
  c.writeConfig("b", instanceToml({ priority: 100 }));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);
  const a = c.daemon("a");
  await a.waitLine((l) => l.includes("(VI_1) Sending gratuitous ARP on eth0 for 192.0.2.100;"), 3000);

  rmSync(flag);
  await c.waitState("b", "MASTER", 3000);
  await a.waitLine((l) => l.includes("(VI_1) Removing VIPs: 192.0.2.100/24"), 3000);

  const from = a.lines.length;
  c.writeConfig("a", aConfig(140));
  a.proc.kill("SIGHUP");
  await a.waitLine((l) => l.includes("reloaded:"), 5000, from);
  await a.stop(5000);

  const log = a.lines.join("\n");
  const expected = [
    /\(VI_1\) Entering BACKUP STATE from INIT \(startup\), priority 150/,
    /\(VI_1\) Entering MASTER STATE from BACKUP \(no advert within Master_Down_Interval\), priority 150/,
    /\(VI_1\) Setting VIPs: 192\.0\.2\.100\/24/,
    /\(VI_1\) Sending gratuitous ARP on eth0 for 192\.0\.2\.100; 5 frames sent/,
    /VRRP_Script\(chk\) failed: now down \(last run exited with status 1 after \d+ ms\)/,
    /\(VI_1\) Changing effective priority from 150 to 90 \(script:chk is down\)/,
    /\(VI_1\) Entering BACKUP STATE from MASTER \(higher priority advert from [\d.]+ \(100 > 90\)\), priority 90/,
    /\(VI_1\) Removing VIPs: 192\.0\.2\.100\/24/,
    /\(VI_1\) Running notify script \S+notify\.sh INSTANCE VI_1 MASTER 150/,
    /\(VI_1\) notify script \S+notify\.sh INSTANCE VI_1 MASTER 150 exited with status 0 after \d+ ms/,
    /reloaded: 1 kept \(changed VI_1\), 0 added, 0 removed/,
  ];
  for (const pattern of expected) expect(log).toMatch(pattern);
  // One line per burst, never one per frame; a track script's routine runs are not logged at info.
  const bursts = a.lines.filter((l) => l.includes("Sending gratuitous ARP")).length;
  expect(bursts).toBeGreaterThanOrEqual(1);
  expect(bursts).toBeLessThanOrEqual(2); // the takeover's burst and, garp_master_delay later, its second
  expect(a.lines.filter((l) => l.includes("VRRP_Script(chk)")).length).toBe(1);
}, 30_000);
