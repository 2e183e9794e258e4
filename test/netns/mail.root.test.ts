// E-mail alerts over a real network to a real SMTP server (smtp-server, from the nodemailer project), sent by the
// mailer compiled into an executable exactly as vipd is (build.ts): what arrives (envelope, headers, body, order),
// and what a server that refuses, fails for a while, is not there or never answers costs: log lines with its
// reply, bounded retries, and an event loop that stays free.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, type LabProcess } from "./harness.ts";

const ROOT = join(import.meta.dir, "../..");
const SINK = join(import.meta.dir, "fixtures/smtp-sink.ts");
const RECIPIENTS = ["noc@example.com", "oncall@example.com"];

let lab: Lab;
let dir: string;
let sender: string;
const started: LabProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vipd-mail-"));
  sender = join(dir, "mail-sender");
  const build = Bun.spawnSync(
    [process.execPath, join(ROOT, "build.ts"), "--entry", join(import.meta.dir, "fixtures/mail-sender.ts"), "--outfile", sender],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (build.exitCode !== 0) throw new Error(`build.ts --entry mail-sender failed: ${build.stderr.toString()}`);
  lab = await Lab.create({ hosts: ["mta", "lb"], bridge: false });
}, 60_000);

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await lab?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface SinkEvent {
  event: string;
  helo?: string;
  from?: string;
  to?: string[] | string;
  data?: string;
  code?: number;
}

async function startSink(port: number, mode: string): Promise<LabProcess> {
  const sink = lab.spawn("mta", [process.execPath, SINK, lab.ipv4("mta"), String(port), mode]);
  started.push(sink);
  await sink.waitLine((l) => l.includes('"listening"'), 10_000);
  return sink;
}

function events(sink: LabProcess, kind: string): SinkEvent[] {
  return sink.lines
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as SinkEvent)
    .filter((e) => e.event === kind);
}

async function startSender(global: string, retriesMs: string): Promise<LabProcess> {
  const config = join(dir, `config-${started.length}.toml`);
  writeFileSync(
    config,
    `[global]
${global}

[instances.VI_1]
interface = "eth0"
virtual_router_id = 1
virtual_ipaddress = ["192.0.2.100/24"]
smtp_alert = true

[instances.VI_2]
interface = "eth0"
virtual_router_id = 2
virtual_ipaddress = ["192.0.2.101/24"]
smtp_alert = true

[sync_groups.G]
group = ["VI_1", "VI_2"]
smtp_alert = true
`,
  );
  const proc = lab.spawn("lb", [sender, config, retriesMs]);
  started.push(proc);
  await proc.waitLine((l) => l === "ready", 10_000);
  return proc;
}

function mailGlobal(port: number, timeoutS = 5): string {
  return `router_id = "lb-a"
notification_email = ${JSON.stringify(RECIPIENTS)}
notification_email_from = "vipd@lb-a.example.com"
smtp_server = "${lab.ipv4("mta")}"
smtp_port = ${port}
smtp_helo_name = "lb-a.example.com"
smtp_connect_timeout = ${timeoutS}`;
}

/** Sends "idle" and waits for the answer: every queued mail is sent or dropped. */
async function drained(proc: LabProcess, timeoutMs: number): Promise<void> {
  const from = proc.lines.length;
  proc.write("idle\n");
  await proc.waitLine((l) => l === "idle", timeoutMs, from);
}

function subjectOf(data: string): string {
  return /^Subject: (.*)\r$/m.exec(data)?.[1] ?? "?";
}

describe("mail to a real SMTP server, from the compiled executable", () => {
  test("each state change arrives, in order, with keepalived's subject, body and headers", async () => {
    const sink = await startSink(25, "accept");
    const proc = await startSender(mailGlobal(25), "300");
    const before = Date.now();
    proc.write("INSTANCE VI_1 BACKUP\nINSTANCE VI_1 MASTER\nGROUP G MASTER\nINSTANCE VI_2 FAULT\nINSTANCE VI_1 STOP\n");
    await drained(proc, 20_000);
    const mails = events(sink, "mail");
    expect(mails.map((m) => subjectOf(m.data!))).toEqual([
      "[lb-a] VRRP Instance VI_1 - Entering BACKUP state",
      "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "[lb-a] VRRP Group G - Entering MASTER state",
      "[lb-a] VRRP Instance VI_2 - Entering FAULT state",
      "[lb-a] VRRP Instance VI_1 - Stopping",
    ]);
    for (const mail of mails) {
      expect(mail).toMatchObject({ helo: "lb-a.example.com", from: "vipd@lb-a.example.com", to: RECIPIENTS });
    }
    const split = mails[1]!.data!.indexOf("\r\n\r\n");
    const lines = mails[1]!.data!.slice(0, split).split("\r\n");
    const body = mails[1]!.data!.slice(split + 4);
    expect(lines.map((l) => l.split(": ")[0])).toEqual(["Date", "From", "Subject", "X-Mailer", "To"]);
    expect(lines.slice(1)).toEqual([
      "From: vipd@lb-a.example.com",
      "Subject: [lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "X-Mailer: vipd",
      "To: noc@example.com, oncall@example.com",
    ]);
    const date = Date.parse(lines[0]!.slice("Date: ".length));
    expect(date).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(date).toBeLessThanOrEqual(Date.now());
    expect(body).toBe("=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n");
    expect(events(sink, "mail")[2]!.data).toContain("\r\n\r\n=> All VRRP group instances are now in MASTER state <=\r\n");
    expect(proc.lines.filter((l) => l.startsWith("info mail"))).toEqual(
      mails.map((m) =>
        expect.stringMatching(new RegExp(`^info mail "${escapeRegExp(subjectOf(m.data!))}" sent to 192\\.0\\.2\\.10:25: 250 `)),
      ),
    );
  }, 30_000);

  test("over IPv6: smtp_server an IPv6 address", async () => {
    const sink = lab.spawn("mta", [process.execPath, SINK, lab.ipv6("mta"), "25", "accept"]);
    started.push(sink);
    await sink.waitLine((l) => l.includes('"listening"'), 10_000);
    const proc = await startSender(mailGlobal(25).replace(`"${lab.ipv4("mta")}"`, `"${lab.ipv6("mta")}"`), "300");
    proc.write("GROUP G FAULT\n");
    await drained(proc, 20_000);
    expect(events(sink, "mail").map((m) => subjectOf(m.data!))).toEqual(["[lb-a] VRRP Group G - Entering FAULT state"]);
    expect(proc.lines.filter((l) => l.startsWith("info mail"))).toEqual([expect.stringContaining(`sent to [${lab.ipv6("mta")}]:25: 250 `)]);
  }, 30_000);

  test("a server that answers 451 for a while: each failure logged with its reply, retried, then delivered once", async () => {
    const sink = await startSink(2525, "tempfail:2");
    const proc = await startSender(mailGlobal(2525), "300,300");
    proc.write("INSTANCE VI_1 MASTER\n");
    await drained(proc, 20_000);
    const warnings = proc.lines.filter((l) => l.startsWith("warn"));
    expect(warnings).toEqual([
      expect.stringMatching(/failed \(attempt 1 of 3\): .*451 4\.3\.0 Mailbox busy, try again later.*; retrying in 0\.3 s$/),
      expect.stringMatching(/failed \(attempt 2 of 3\): .*451 4\.3\.0 Mailbox busy, try again later.*; retrying in 0\.3 s$/),
    ]);
    expect(events(sink, "mail").map((m) => subjectOf(m.data!))).toEqual(["[lb-a] VRRP Instance VI_1 - Entering MASTER state"]);
    expect(proc.lines.some((l) => l.startsWith('info mail "[lb-a] VRRP Instance VI_1 - Entering MASTER state" sent'))).toBe(true);
  }, 30_000);

  test("a server that refuses (550): every attempt logged with the reply, a bounded number, then dropped", async () => {
    const sink = await startSink(2526, "reject");
    const proc = await startSender(mailGlobal(2526), "200,200");
    proc.write("GROUP G BACKUP\n");
    await drained(proc, 20_000);
    expect(proc.lines.filter((l) => l.startsWith("warn"))).toEqual([
      expect.stringMatching(
        /^warn mail "\[lb-a\] VRRP Group G - Entering BACKUP state" to 192\.0\.2\.10:2526 failed \(attempt 1 of 3\): .*550 5\.7\.1 Relaying denied.*; retrying in 0\.2 s$/,
      ),
      expect.stringMatching(/failed \(attempt 2 of 3\): .*550 5\.7\.1 Relaying denied.*; retrying in 0\.2 s$/),
      expect.stringMatching(/failed \(attempt 3 of 3\): .*550 5\.7\.1 Relaying denied.*; dropped$/),
    ]);
    // Each attempt offered both recipients; nothing was delivered.
    expect(events(sink, "refused").length).toBe(6);
    expect(events(sink, "mail")).toEqual([]);
  }, 30_000);

  test("a recipient refused while the others are taken: delivered to them, the refusal logged with its reply", async () => {
    const sink = await startSink(2529, "reject-oncall");
    const proc = await startSender(mailGlobal(2529), "200");
    proc.write("INSTANCE VI_2 BACKUP\n");
    await drained(proc, 20_000);
    expect(events(sink, "mail").map((m) => m.to)).toEqual([["noc@example.com"]]);
    expect(proc.lines.filter((l) => l.startsWith("warn"))).toEqual([
      expect.stringMatching(
        /^warn mail "\[lb-a\] VRRP Instance VI_2 - Entering BACKUP state": 192\.0\.2\.10:2529 refused oncall@example\.com: 550 5\.1\.1 No such user/,
      ),
    ]);
  }, 30_000);

  test("no server listening: the refused connection is logged, retried, dropped", async () => {
    const proc = await startSender(mailGlobal(2527), "200");
    proc.write("INSTANCE VI_1 MASTER\n");
    await drained(proc, 20_000);
    expect(proc.lines.filter((l) => l.startsWith("warn"))).toEqual([
      expect.stringMatching(/failed \(attempt 1 of 2\): .*ECONNREFUSED.*; retrying in 0\.2 s$/),
      expect.stringMatching(/failed \(attempt 2 of 2\): .*ECONNREFUSED.*; dropped$/),
    ]);
  }, 30_000);

  test("a server that never answers holds nothing: the event loop answers at once, the attempt ends at the timeout", async () => {
    const sink = await startSink(2528, "silent");
    const proc = await startSender(mailGlobal(2528, 1), "200");
    proc.write("INSTANCE VI_1 MASTER\nINSTANCE VI_1 BACKUP\n");
    await sink.waitLine((l) => l.includes('"connection"'), 5000);
    // The first mail is stuck waiting for a greeting; the sender still answers at once.
    const asked = performance.now();
    const from = proc.lines.length;
    proc.write("ping\n");
    await proc.waitLine((l) => l === "pong", 2000, from);
    expect(performance.now() - asked).toBeLessThan(250);
    await drained(proc, 20_000);
    const warnings = proc.lines.filter((l) => l.startsWith("warn"));
    expect(warnings).toEqual([
      expect.stringMatching(
        /"\[lb-a\] VRRP Instance VI_1 - Entering MASTER state" .* failed \(attempt 1 of 2\): .*ETIMEDOUT.*; retrying in 0\.2 s$/,
      ),
      expect.stringMatching(/"\[lb-a\] VRRP Instance VI_1 - Entering MASTER state" .* failed \(attempt 2 of 2\): .*ETIMEDOUT.*; dropped$/),
      expect.stringMatching(
        /"\[lb-a\] VRRP Instance VI_1 - Entering BACKUP state" .* failed \(attempt 1 of 2\): .*ETIMEDOUT.*; retrying in 0\.2 s$/,
      ),
      expect.stringMatching(/"\[lb-a\] VRRP Instance VI_1 - Entering BACKUP state" .* failed \(attempt 2 of 2\): .*ETIMEDOUT.*; dropped$/),
    ]);
    expect(events(sink, "connection").length).toBe(4);
  }, 30_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
