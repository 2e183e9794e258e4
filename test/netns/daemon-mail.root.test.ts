// The compiled daemon mails its instance's and group's state changes as keepalived does (smtp_alert), to a real
// SMTP server (smtp-server) on another host of the lab: start (BACKUP, then MASTER), a reload that changes the
// subject's router_id, and the stop.

import { afterEach, expect, test } from "bun:test";
import type { LabProcess } from "./harness.ts";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const SINK = `${import.meta.dir}/fixtures/smtp-sink.ts`;

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

function subjects(sink: LabProcess): string[] {
  return sink.lines
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { event: string; data?: string })
    .filter((e) => e.event === "mail")
    .map((e) => /^Subject: (.*)\r$/m.exec(e.data!)?.[1] ?? "?");
}

async function waitMails(sink: LabProcess, count: number, timeoutMs: number): Promise<string[]> {
  const started = performance.now();
  while (subjects(sink).length < count) {
    if (performance.now() - started > timeoutMs) throw new Error(`${count} mails expected, got ${JSON.stringify(subjects(sink))}`);
    await Bun.sleep(20);
  }
  return subjects(sink);
}

test("vipd run mails BACKUP and MASTER at start, the group's changes, and Stopping at stop", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a"]);
  cluster = c;
  const sink = c.lab.spawn("client", [process.execPath, SINK, c.lab.ipv4("client"), "25", "accept"]);
  await sink.waitLine((l) => l.includes('"listening"'), 10_000);
  const config = (routerId: string) =>
    [
      "[global]",
      `router_id = "${routerId}"`,
      'notification_email = ["noc@example.com"]',
      'notification_email_from = "vipd@lb-a.example.com"',
      `smtp_server = "${c.lab.ipv4("client")}"`,
      "smtp_alert = true",
      "",
      instanceToml({ priority: 150 }),
      instanceToml({ name: "VI_2", vrid: 52, priority: 150, vip: "192.0.2.101" }),
      "[sync_groups.G]",
      'group = ["VI_1", "VI_2"]',
      "",
    ].join("\n");
  c.writeConfig("a", config("lb-a"));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  const atStart = await waitMails(sink, 6, 5000);
  // Order across instances and the group follows the daemon's events; each one's own sequence is fixed.
  const of = (list: string[], who: string) => list.filter((s) => s.includes(who));
  expect(of(atStart, "VRRP Instance VI_1")).toEqual([
    "[lb-a] VRRP Instance VI_1 - Entering BACKUP state",
    "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
  ]);
  expect(of(atStart, "VRRP Instance VI_2")).toEqual([
    "[lb-a] VRRP Instance VI_2 - Entering BACKUP state",
    "[lb-a] VRRP Instance VI_2 - Entering MASTER state",
  ]);
  expect(of(atStart, "VRRP Group G")).toEqual([
    "[lb-a] VRRP Group G - Entering BACKUP state",
    "[lb-a] VRRP Group G - Entering MASTER state",
  ]);

  // A reload takes the new router_id; the states did not change, so nothing is mailed until the stop.
  c.writeConfig("a", config("lb-renamed"));
  const from = c.daemon("a").lines.length;
  c.daemon("a").proc.kill("SIGHUP");
  await c.daemon("a").waitLine((l) => l.includes("reloaded"), 5000, from);
  await c.daemon("a").stop(10_000);
  expect(c.daemon("a").proc.exitCode).toBe(0);
  const all = await waitMails(sink, 9, 5000);
  expect(all.slice(6).sort()).toEqual([
    "[lb-renamed] VRRP Group G - Stopping",
    "[lb-renamed] VRRP Instance VI_1 - Stopping",
    "[lb-renamed] VRRP Instance VI_2 - Stopping",
  ]);
  expect(c.daemon("a").lines.filter((l) => l.includes("mail") && l.includes("failed"))).toEqual([]);
}, 40_000);
