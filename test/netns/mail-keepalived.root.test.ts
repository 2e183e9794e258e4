// The reference: keepalived 2.2.7 itself mails its state changes to smtp-server in the lab, and every mail it sends
// is the one vipd's mail-message.ts writes for the same instance or group and state (subject, body, header names
// and order), with the same envelope and HELO name.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { alertText, formatMessage } from "../../src/notify/mail-message.ts";
import type { NotifyKind, NotifyState } from "../../src/notify/notify-plan.ts";
import { Lab, type LabProcess } from "./harness.ts";
import { Keepalived } from "./keepalived.ts";

const SINK = `${import.meta.dir}/fixtures/smtp-sink.ts`;
const RECIPIENTS = ["noc@example.com", "oncall@example.com"];

let lab: Lab;
beforeAll(async () => {
  lab = await Lab.create({ hosts: ["ka", "mta"], bridge: false });
}, 30_000);
afterAll(async () => {
  await lab?.destroy();
});

interface Mail {
  helo: string;
  from: string;
  to: string[];
  data: string;
}

function mails(sink: LabProcess): Mail[] {
  return sink.lines
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Mail & { event: string })
    .filter((e) => e.event === "mail");
}

async function waitMails(sink: LabProcess, count: number, timeoutMs: number): Promise<Mail[]> {
  const started = performance.now();
  while (mails(sink).length < count) {
    if (performance.now() - started > timeoutMs) throw new Error(`${count} mails expected, got ${mails(sink).length}`);
    await Bun.sleep(20);
  }
  return mails(sink);
}

/** The (kind, name, state) whose vipd subject is `subject`, or null. */
function whichAlert(subject: string): { kind: NotifyKind; name: string; state: NotifyState } | null {
  for (const kind of ["INSTANCE", "GROUP"] as const)
    for (const name of ["VI_1", "G"])
      for (const state of ["MASTER", "BACKUP", "FAULT", "STOP"] as const)
        if (alertText("lb-a", kind, name, state).subject === subject) return { kind, name, state };
  return null;
}

test("keepalived's mails are the ones vipd writes", async () => {
  const sink = lab.spawn("mta", [process.execPath, SINK, lab.ipv4("mta"), "25", "accept"]);
  try {
    await sink.waitLine((l) => l.includes('"listening"'), 10_000);
    const keepalived = Keepalived.start(
      lab,
      "ka",
      "ka",
      `global_defs {
  router_id lb-a
  notification_email {
    ${RECIPIENTS.join("\n    ")}
  }
  notification_email_from vipd@lb-a.example.com
  smtp_server ${lab.ipv4("mta")} 25
  smtp_helo_name lb-a.example.com
  smtp_connect_timeout 5
}
vrrp_sync_group G {
  group {
    VI_1
  }
  smtp_alert
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  smtp_alert
  virtual_ipaddress {
    192.0.2.100/24
  }
}
`,
    );
    try {
      await keepalived.waitLog(/Entering MASTER STATE/, 10_000);
      await Bun.sleep(500);
    } finally {
      await keepalived.stop();
    }
    // At least BACKUP and MASTER of the instance, the group's, and the stops.
    await waitMails(sink, 4, 10_000);
    await Bun.sleep(500);
    const all = mails(sink);
    const seen: string[] = [];
    for (const mail of all) {
      expect(mail).toMatchObject({ helo: "lb-a.example.com", from: "vipd@lb-a.example.com", to: RECIPIENTS });
      const lines = mail.data.split("\r\n\r\n")[0]!.split("\r\n");
      const subject = lines.find((l) => l.startsWith("Subject: "))!.slice("Subject: ".length);
      const alert = whichAlert(subject);
      if (!alert) throw new Error(`keepalived sent a subject vipd never writes: ${JSON.stringify(subject)}`);
      seen.push(`${alert.kind} ${alert.name} ${alert.state}`);
      const date = new Date(Date.parse(lines[0]!.slice("Date: ".length)));
      const ours = formatMessage(
        { date, from: "vipd@lb-a.example.com", to: RECIPIENTS },
        alertText("lb-a", alert.kind, alert.name, alert.state),
      );
      // Identical but for the mailer's name.
      expect(mail.data.replace("X-Mailer: Keepalived", "X-Mailer: vipd")).toBe(ours);
    }
    expect(seen).toContain("INSTANCE VI_1 MASTER");
    expect(seen).toContain("GROUP G MASTER");
    // keepalived at start: the BACKUP mails, then the MASTER ones. keepalived sends each mail on a connection of its
    // own, so two it queues together can arrive in either order (seen both ways for the MASTER pair).
    expect([...seen.slice(0, 2)].sort()).toEqual(["GROUP G BACKUP", "INSTANCE VI_1 BACKUP"]);
    expect([...seen.slice(2, 4)].sort()).toEqual(["GROUP G MASTER", "INSTANCE VI_1 MASTER"]);
    const connections = sink.lines.filter((l) => l.includes('"connection"')).length;
    console.log(`keepalived mailed, in order: ${seen.join(", ")}; ${connections} connections`);
  } finally {
    await sink.stop();
  }
}, 40_000);
