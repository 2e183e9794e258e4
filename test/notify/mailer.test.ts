// The mailer's queue, order, retries and keepalived's rules for what is mailed, over a transport that records
// what it is handed (the real SMTP exchange is in test/netns/mail.root.test.ts).

import { describe, expect, test } from "bun:test";
import type { VipdConfig } from "../../src/config/schema.ts";
import { checkerAlertText } from "../../src/notify/mail-message.ts";
import { type HostIdentity, Mailer, mailSettings } from "../../src/notify/mailer.ts";
import { type Delivery, type Envelope, MailSendError, type MailTransport, type SmtpServer } from "../../src/notify/smtp-transport.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { loadOk } from "../config/helpers.ts";

const IDENTITY: HostIdentity = { hostName: "node1.example.com", userName: "vipd" };
const DATE = new Date(Date.UTC(2026, 11, 3, 9, 0, 0));

interface Sent {
  server: SmtpServer;
  envelope: Envelope;
  message: string;
}

/** Answers each send with the next planned outcome (default: accepted); `hang` never answers. */
class RecordingTransport implements MailTransport {
  readonly sent: Sent[] = [];
  prepared = 0;
  outcomes: ("ok" | "hang" | MailSendError)[] = [];

  prepare(): void {
    this.prepared++;
  }

  send(server: SmtpServer, envelope: Envelope, message: string): Promise<Delivery> {
    this.sent.push({ server, envelope, message });
    const outcome = this.outcomes.shift() ?? "ok";
    if (outcome === "hang") return new Promise(() => undefined);
    if (outcome instanceof MailSendError) return Promise.reject(outcome);
    return Promise.resolve({ reply: "250 2.0.0 Ok: queued", refused: [] });
  }

  subjects(): string[] {
    return this.sent.map((s) => /^Subject: (.*)$/m.exec(s.message)?.[1] ?? "?");
  }
}

class RecordingLog {
  readonly lines: string[] = [];
  info = (m: string) => this.lines.push(`info ${m}`);
  warn = (m: string) => this.lines.push(`warn ${m}`);
  debug = (m: string) => this.lines.push(`debug ${m}`);
}

const MAIL_GLOBAL = `
[global]
router_id = "lb-a"
notification_email = ["noc@example.com", "oncall@example.com"]
notification_email_from = "vipd@lb-a.example.com"
smtp_server = "192.0.2.25"
smtp_connect_timeout = 5
`;

function config(global = MAIL_GLOBAL, instanceExtra = "smtp_alert = true", groupExtra = "smtp_alert = true"): VipdConfig {
  return loadOk(`${global}
[instances.VI_1]
interface = "eth0"
virtual_router_id = 1
virtual_ipaddress = ["192.0.2.100/24"]
${instanceExtra}

[instances.VI_2]
interface = "eth0"
virtual_router_id = 2
virtual_ipaddress = ["192.0.2.101/24"]

[sync_groups.G]
group = ["VI_1", "VI_2"]
${groupExtra}
`);
}

function setup(cfg = config(), retryDelaysMs = [1000, 5000], maxQueued = 100) {
  const timers = new FakeTimers();
  const transport = new RecordingTransport();
  const log = new RecordingLog();
  const mailer = new Mailer({ transport, log, timers, now: () => DATE, identity: IDENTITY, retryDelaysMs, maxQueued });
  mailer.configure(cfg);
  return { timers, transport, log, mailer };
}

/** Lets the mailer's promises run (bounded). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Bun.sleep(0);
}

/** Advances the fake clock and lets the promises woken by it run. */
async function advance(timers: FakeTimers, ms: number): Promise<void> {
  timers.advance(ms);
  await settle();
}

describe("what is mailed", () => {
  test("each change of an instance or group with smtp_alert, in order, after the call has returned", async () => {
    const { timers, transport, mailer } = setup();
    expect(transport.prepared).toBe(1);
    mailer.stateChanged("INSTANCE", "VI_1", "BACKUP");
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    mailer.stateChanged("GROUP", "G", "MASTER");
    mailer.stateChanged("INSTANCE", "VI_1", "FAULT");
    mailer.stateChanged("INSTANCE", "VI_1", "STOP");
    // Nothing is handed to the server inside the state change.
    expect(transport.sent).toEqual([]);
    await advance(timers, 0);
    expect(transport.subjects()).toEqual([
      "[lb-a] VRRP Instance VI_1 - Entering BACKUP state",
      "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "[lb-a] VRRP Group G - Entering MASTER state",
      "[lb-a] VRRP Instance VI_1 - Entering FAULT state",
      "[lb-a] VRRP Instance VI_1 - Stopping",
    ]);
    expect(transport.sent[0]!.envelope).toEqual({ from: "vipd@lb-a.example.com", to: ["noc@example.com", "oncall@example.com"] });
    expect(transport.sent[0]!.server).toEqual({ host: "192.0.2.25", port: 25, heloName: "node1.example.com", timeoutMs: 5000 });
    await mailer.idle();
  });

  test("a health check's mail: keepalived's subject and body, the router_id of the settings, queued like the others", async () => {
    const lb = loadOk(
      `${MAIL_GLOBAL}[virtual_servers.web]\naddress = "203.0.113.10"\nport = 80\nprotocol = "tcp"\n[[virtual_servers.web.real_servers]]\naddress = "198.51.100.21"\nTCP_CHECK = {}\n`,
    );
    const { timers, transport, mailer } = setup(lb);
    // A real server with a check and smtp_alert (on by default) is enough to get the transport ready.
    expect(transport.prepared).toBe(1);
    mailer.checkerChanged((routerId) =>
      checkerAlertText(routerId, "[198.51.100.21]:tcp:80", "[203.0.113.10]:tcp:80", false, "HTTP_GET", false),
    );
    expect(transport.sent).toEqual([]);
    await advance(timers, 0);
    expect(transport.subjects()).toEqual(["[lb-a] Realserver [198.51.100.21]:tcp:80 of virtual server [203.0.113.10]:tcp:80 - DOWN"]);
    expect(transport.sent[0]!.message).toContain("\r\n\r\n=> CHECK failed on service : HTTP request failed <=\r\n");
    await mailer.idle();
  });

  test("not for an instance without smtp_alert, nor twice for the same state", async () => {
    const { timers, transport, mailer } = setup();
    mailer.stateChanged("INSTANCE", "VI_2", "MASTER");
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    await advance(timers, 0);
    expect(transport.subjects()).toEqual(["[lb-a] VRRP Instance VI_1 - Entering MASTER state"]);
  });

  test("global smtp_alert is the default of instances and groups; their own setting wins", async () => {
    const cfg = config(`${MAIL_GLOBAL}smtp_alert = true\n`, "smtp_alert = false", "");
    expect(cfg.instances.map((i) => i.smtpAlert)).toEqual([false, true]);
    expect(cfg.syncGroups[0]!.smtpAlert).toBe(true);
    const { timers, transport, mailer } = setup(cfg);
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    mailer.stateChanged("INSTANCE", "VI_2", "MASTER");
    mailer.stateChanged("GROUP", "G", "MASTER");
    await advance(timers, 0);
    expect(transport.subjects()).toEqual([
      "[lb-a] VRRP Instance VI_2 - Entering MASTER state",
      "[lb-a] VRRP Group G - Entering MASTER state",
    ]);
  });

  test("no_email_faults: FAULT is not mailed, the others are", async () => {
    const { timers, transport, mailer } = setup(config(`${MAIL_GLOBAL}no_email_faults = true\n`));
    mailer.stateChanged("INSTANCE", "VI_1", "FAULT");
    mailer.stateChanged("GROUP", "G", "FAULT");
    mailer.stateChanged("INSTANCE", "VI_1", "BACKUP");
    await advance(timers, 0);
    expect(transport.subjects()).toEqual(["[lb-a] VRRP Instance VI_1 - Entering BACKUP state"]);
  });

  test("nothing without recipients or a server", async () => {
    const noServer = setup(config(MAIL_GLOBAL.replace('smtp_server = "192.0.2.25"', "")));
    const noRecipient = setup(config(MAIL_GLOBAL.replace('notification_email = ["noc@example.com", "oncall@example.com"]', "")));
    for (const { timers, transport, mailer } of [noServer, noRecipient]) {
      mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
      await advance(timers, 0);
      expect(transport.sent).toEqual([]);
      expect(transport.prepared).toBe(0);
    }
  });

  test("a reload that turns smtp_alert off stops the mails", async () => {
    const { timers, transport, mailer } = setup();
    mailer.configure(config(MAIL_GLOBAL, "smtp_alert = false", "smtp_alert = false"));
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    await advance(timers, 0);
    expect(transport.sent).toEqual([]);
  });
});

describe("keepalived's defaults", () => {
  test("router_id, sender and HELO name come from the host name; the port is 25", () => {
    const cfg = config(`
[global]
notification_email = ["noc@example.com"]
smtp_server = "mail.example.com"
smtp_port = 2525
`);
    expect(mailSettings(cfg.global, IDENTITY)).toEqual({
      server: { host: "mail.example.com", port: 2525, heloName: "node1.example.com", timeoutMs: 30_000 },
      envelope: { from: "vipd@node1.example.com", to: ["noc@example.com"] },
      routerId: "node1.example.com",
      noEmailFaults: false,
    });
    const helo = config(`${MAIL_GLOBAL}smtp_helo_name = "lb-a.example.com"\n`);
    expect(mailSettings(helo.global, IDENTITY)?.server.heloName).toBe("lb-a.example.com");
  });
});

describe("failures", () => {
  test("a refused mail is logged with the server's reply and retried after each delay; later mails wait their turn", async () => {
    const { timers, transport, log, mailer } = setup();
    transport.outcomes = [new MailSendError("EENVELOPE: refused", "451 4.3.0 Try again later"), "ok", "ok"];
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    mailer.stateChanged("INSTANCE", "VI_1", "BACKUP");
    await advance(timers, 0);
    expect(transport.subjects()).toEqual(["[lb-a] VRRP Instance VI_1 - Entering MASTER state"]);
    expect(log.lines).toEqual([
      'warn mail "[lb-a] VRRP Instance VI_1 - Entering MASTER state" to 192.0.2.25:25 failed (attempt 1 of 3): ' +
        "EENVELOPE: refused (server replied: 451 4.3.0 Try again later); retrying in 1 s",
    ]);
    await advance(timers, 999);
    expect(transport.sent.length).toBe(1);
    await advance(timers, 1);
    expect(transport.subjects()).toEqual([
      "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "[lb-a] VRRP Instance VI_1 - Entering BACKUP state",
    ]);
    expect(log.lines.slice(1)).toEqual([
      'info mail "[lb-a] VRRP Instance VI_1 - Entering MASTER state" sent to 192.0.2.25:25: 250 2.0.0 Ok: queued',
      'info mail "[lb-a] VRRP Instance VI_1 - Entering BACKUP state" sent to 192.0.2.25:25: 250 2.0.0 Ok: queued',
    ]);
    await mailer.idle();
  });

  test("after the last retry the mail is dropped with a log line, and the next one goes", async () => {
    const { timers, transport, log, mailer } = setup();
    const refused = () => new MailSendError("EENVELOPE: refused", "550 5.7.1 Relaying denied");
    transport.outcomes = [refused(), refused(), refused()];
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    mailer.stateChanged("GROUP", "G", "MASTER");
    await advance(timers, 0);
    await advance(timers, 1000);
    await advance(timers, 5000);
    expect(transport.subjects()).toEqual([
      "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "[lb-a] VRRP Group G - Entering MASTER state",
    ]);
    expect(log.lines.filter((l) => l.startsWith("warn"))).toEqual([
      expect.stringContaining("failed (attempt 1 of 3): EENVELOPE: refused (server replied: 550 5.7.1 Relaying denied); retrying in 1 s"),
      expect.stringContaining("failed (attempt 2 of 3): EENVELOPE: refused (server replied: 550 5.7.1 Relaying denied); retrying in 5 s"),
      'warn mail "[lb-a] VRRP Instance VI_1 - Entering MASTER state" to 192.0.2.25:25 failed (attempt 3 of 3): ' +
        "EENVELOPE: refused (server replied: 550 5.7.1 Relaying denied); dropped",
    ]);
    await mailer.idle();
  });

  test("the reply is not repeated when the error's text already carries it", async () => {
    const { timers, transport, log, mailer } = setup(config(), []);
    const reply = "550 5.1.1 <noc@example.com>: Recipient address rejected";
    transport.outcomes = [new MailSendError(`EENVELOPE: Can't send mail - all recipients were rejected: ${reply}`, reply)];
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    await advance(timers, 0);
    expect(log.lines).toEqual([
      'warn mail "[lb-a] VRRP Instance VI_1 - Entering MASTER state" to 192.0.2.25:25 failed (attempt 1 of 1): ' +
        `EENVELOPE: Can't send mail - all recipients were rejected: ${reply}; dropped`,
    ]);
  });

  test("a server that never finishes: the attempt ends at its bound and counts as a failure", async () => {
    const { timers, transport, log, mailer } = setup(config(), [1000]);
    transport.outcomes = ["hang", "hang"];
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    await advance(timers, 0);
    // 5 s per exchange, 8 exchanges plus one per recipient.
    await advance(timers, 49_999);
    expect(log.lines).toEqual([]);
    await advance(timers, 1);
    expect(log.lines).toEqual([expect.stringContaining("failed (attempt 1 of 2): no complete exchange within 50 s; retrying in 1 s")]);
    await advance(timers, 1000);
    await advance(timers, 50_000);
    expect(log.lines[1]).toContain("failed (attempt 2 of 2): no complete exchange within 50 s; dropped");
    expect(transport.sent.length).toBe(2);
    await mailer.idle();
  });

  test("the queue is bounded: the oldest waiting mail is dropped with a log line", async () => {
    const { timers, transport, log, mailer } = setup(config(), [1000], 2);
    transport.outcomes = ["hang"];
    const states = ["MASTER", "BACKUP", "FAULT", "STOP"] as const;
    for (const state of states) mailer.stateChanged("INSTANCE", "VI_1", state);
    expect(log.lines).toEqual([
      'warn mail "[lb-a] VRRP Instance VI_1 - Entering MASTER state" dropped: 2 mails already wait for 192.0.2.25:25',
      'warn mail "[lb-a] VRRP Instance VI_1 - Entering BACKUP state" dropped: 2 mails already wait for 192.0.2.25:25',
    ]);
    await advance(timers, 0);
    expect(transport.subjects()).toEqual(["[lb-a] VRRP Instance VI_1 - Entering FAULT state"]);
    // The one in flight is not counted: STOP waits, one more may wait behind it.
    mailer.stateChanged("GROUP", "G", "MASTER");
    expect(log.lines.length).toBe(2);
    mailer.stateChanged("GROUP", "G", "BACKUP");
    expect(log.lines[2]).toBe('warn mail "[lb-a] VRRP Instance VI_1 - Stopping" dropped: 2 mails already wait for 192.0.2.25:25');
  });

  test("close drops what waits (each logged), ends a retry's wait, and mails nothing more", async () => {
    const { timers, transport, log, mailer } = setup();
    transport.outcomes = [new MailSendError("ECONNECTION: connect ECONNREFUSED 192.0.2.25:25", null)];
    mailer.stateChanged("INSTANCE", "VI_1", "MASTER");
    mailer.stateChanged("INSTANCE", "VI_1", "BACKUP");
    await advance(timers, 0);
    expect(log.lines[0]).toContain("failed (attempt 1 of 3): ECONNECTION: connect ECONNREFUSED 192.0.2.25:25; retrying in 1 s");
    const idle = mailer.idle();
    mailer.close();
    await idle;
    mailer.stateChanged("INSTANCE", "VI_1", "STOP");
    await advance(timers, 10_000);
    expect(transport.sent.length).toBe(1);
    expect(log.lines.slice(1)).toEqual([
      'warn mail "[lb-a] VRRP Instance VI_1 - Entering BACKUP state" dropped: vipd is stopping',
      'warn mail "[lb-a] VRRP Instance VI_1 - Entering MASTER state" dropped: vipd is stopping',
    ]);
  });
});
