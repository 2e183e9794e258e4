import { describe, expect, test } from "bun:test";
import { alertText, formatMessage, rfc5322Date } from "../../src/notify/mail-message.ts";

describe("alertText: keepalived's subjects and bodies", () => {
  test("instances", () => {
    expect(alertText("lb-a", "INSTANCE", "VI_1", "MASTER")).toEqual({
      subject: "[lb-a] VRRP Instance VI_1 - Entering MASTER state",
      body: "=> VRRP Instance is now owning VRRP VIPs <=",
    });
    expect(alertText("lb-a", "INSTANCE", "VI_1", "BACKUP")).toEqual({
      subject: "[lb-a] VRRP Instance VI_1 - Entering BACKUP state",
      body: "=> VRRP Instance is no longer owning VRRP VIPs <=",
    });
    expect(alertText("lb-a", "INSTANCE", "VI_1", "FAULT")).toEqual({
      subject: "[lb-a] VRRP Instance VI_1 - Entering FAULT state",
      body: "=> VRRP Instance is no longer owning VRRP VIPs <=",
    });
    expect(alertText("lb-a", "INSTANCE", "VI_1", "STOP")).toEqual({
      subject: "[lb-a] VRRP Instance VI_1 - Stopping",
      body: "=> VRRP Instance stopping <=",
    });
  });

  test("sync groups", () => {
    expect(alertText("r1", "GROUP", "G", "MASTER")).toEqual({
      subject: "[r1] VRRP Group G - Entering MASTER state",
      body: "=> All VRRP group instances are now in MASTER state <=",
    });
    expect(alertText("r1", "GROUP", "G", "BACKUP").body).toBe("=> All VRRP group instances are now in BACKUP state <=");
    expect(alertText("r1", "GROUP", "G", "FAULT")).toEqual({
      subject: "[r1] VRRP Group G - Entering FAULT state",
      body: "=> All VRRP group instances are now in FAULT state <=",
    });
    expect(alertText("r1", "GROUP", "G", "STOP")).toEqual({
      subject: "[r1] VRRP Group G - Stopping",
      body: "=> All VRRP group instances are now stopping <=",
    });
  });
});

describe("formatMessage", () => {
  const date = new Date(Date.UTC(2026, 11, 3, 9, 5, 7));

  test("keepalived's headers in its order, CRLF lines, a blank line, the body", () => {
    const message = formatMessage(
      { date, from: "vipd@lb-a.example.com", to: ["noc@example.com", "oncall@example.com"] },
      alertText("lb-a", "INSTANCE", "VI_1", "MASTER"),
    );
    expect(message.split("\r\n")).toEqual([
      `Date: ${rfc5322Date(date)}`,
      "From: vipd@lb-a.example.com",
      "Subject: [lb-a] VRRP Instance VI_1 - Entering MASTER state",
      "X-Mailer: vipd",
      "To: noc@example.com, oncall@example.com",
      "",
      "=> VRRP Instance is now owning VRRP VIPs <=",
      "",
      "",
    ]);
    expect(message.replace(/\r\n/g, "")).not.toContain("\n");
  });

  test("a line break in a name or router_id cannot add a header", () => {
    const message = formatMessage(
      { date, from: "a@example.com", to: ["b@example.com"] },
      alertText("r\r\nBcc: x@example.com", "GROUP", "G\nX", "BACKUP"),
    );
    const headers = message.split("\r\n\r\n")[0]!.split("\r\n");
    expect(headers.map((h) => h.split(":")[0])).toEqual(["Date", "From", "Subject", "X-Mailer", "To"]);
    expect(headers[2]).toBe("Subject: [r Bcc: x@example.com] VRRP Group G X - Entering BACKUP state");
  });
});

describe("rfc5322Date", () => {
  test("day, date, month, year, time and the local offset", () => {
    const date = new Date(Date.UTC(2026, 0, 4, 23, 59, 1));
    const text = rfc5322Date(date);
    expect(text).toMatch(
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/,
    );
    // The text names the same instant: parsing it gives the date back.
    expect(new Date(text).getTime()).toBe(date.getTime());
  });

  test("UTC", () => {
    const saved = process.env.TZ;
    process.env.TZ = "UTC";
    try {
      expect(rfc5322Date(new Date(Date.UTC(2026, 11, 3, 9, 5, 7)))).toBe("Thu, 03 Dec 2026 09:05:07 +0000");
    } finally {
      process.env.TZ = saved;
      if (saved === undefined) delete process.env.TZ;
    }
  });

  test("a zone behind UTC with a half-hour offset", () => {
    const saved = process.env.TZ;
    process.env.TZ = "America/St_Johns";
    try {
      // 3 Dec 2026 is standard time in Newfoundland: UTC-03:30.
      expect(rfc5322Date(new Date(Date.UTC(2026, 11, 3, 9, 5, 7)))).toBe("Thu, 03 Dec 2026 05:35:07 -0330");
    } finally {
      process.env.TZ = saved;
      if (saved === undefined) delete process.env.TZ;
    }
  });
});
