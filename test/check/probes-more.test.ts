// SMTP_CHECK against the smtp-server package (nodemailer's), DNS_CHECK and UDP_CHECK against datagram servers
// this test runs on loopback: verdicts, reasons and keepalived's wire format.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer } from "node:net";
import { SMTPServer } from "smtp-server";
import type { ConnectTarget, DnsCheck, SmtpCheck, UdpCheck } from "../../src/check/check-definition.ts";
import { dnsProbe, dnsQuery } from "../../src/check/probes/dns-probe.ts";
import { smtpProbe } from "../../src/check/probes/smtp-probe.ts";
import { udpProbe } from "../../src/check/probes/udp-probe.ts";

const timing = { delayLoopMs: 1000, retry: 0, delayBeforeRetryMs: 0, warmupMs: 0, alpha: false };
const target = (port: number, timeoutMs = 1000): ConnectTarget => ({
  address: "127.0.0.1",
  family: 4,
  port,
  bindAddress: null,
  bindPort: null,
  bindInterface: null,
  fwmark: null,
  timeoutMs,
});

async function udpServer(onMessage: (msg: Buffer, reply: (b: Buffer) => void) => void): Promise<{ socket: UdpSocket; port: number }> {
  const socket = createSocket("udp4");
  socket.on("message", (msg, from) => onMessage(msg, (b) => socket.send(b, from.port, from.address)));
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return { socket, port: socket.address().port };
}

async function freeUdpPort(): Promise<number> {
  const { socket, port } = await udpServer(() => undefined);
  socket.close();
  return port;
}

describe("SMTP_CHECK", () => {
  let smtp: SMTPServer;
  let port = 0;
  beforeAll(async () => {
    smtp = new SMTPServer({ authOptional: true, disabledCommands: ["STARTTLS"] });
    smtp.on("error", () => undefined);
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
    port = (smtp.server.address() as { port: number }).port;
  });
  afterAll(() => smtp.close());

  const check = (p: number, timeoutMs = 1000): SmtpCheck => ({
    kind: "SMTP_CHECK",
    timing,
    connect: target(p, timeoutMs),
    heloName: "lb.example.com",
  });

  test("a real SMTP server passes: 220, HELO 250, QUIT", async () => {
    expect(await smtpProbe(check(port))).toEqual({ ok: true, reason: "HELO 250", weight: null });
  });

  test("a wrong greeting, a refused HELO and silence fail with their reason", async () => {
    const fake = createServer((s) => {
      s.on("error", () => undefined);
      const mode = fakeMode;
      if (mode === "greeting") s.write("554 go away\r\n");
      else if (mode === "helo") {
        s.write("220-first line\r\n220 ready\r\n");
        s.on("data", () => s.write("501 bad name\r\n"));
      }
    });
    let fakeMode = "greeting";
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    const fakePort = (fake.address() as { port: number }).port;
    try {
      expect(await smtpProbe(check(fakePort))).toMatchObject({ ok: false, reason: "greeting 554, expected 220" });
      fakeMode = "helo";
      expect(await smtpProbe(check(fakePort))).toMatchObject({ ok: false, reason: "HELO answered 501, expected 250" });
      fakeMode = "silent";
      expect(await smtpProbe(check(fakePort, 300))).toMatchObject({ ok: false, reason: "no complete SMTP exchange within 300 ms" });
    } finally {
      fake.close();
    }
  });
});

describe("DNS_CHECK", () => {
  const check = (port: number, over: Partial<DnsCheck> = {}): DnsCheck => ({
    kind: "DNS_CHECK",
    timing,
    connect: target(port, 500),
    type: "A",
    name: "www.example.com",
    ...over,
  });

  test("keepalived's query: recursion desired, one question, class IN; the root for an empty name", () => {
    const q = dnsQuery(check(53), 0x1234);
    expect(q.toString("hex")).toBe(`123401000001000000000000${"03777777076578616d706c6503636f6d00"}00010001`);
    expect(
      dnsQuery(check(53, { name: "", type: "SOA" }), 1)
        .subarray(12)
        .toString("hex"),
    ).toBe("0000060001");
  });

  test("rcode 0 passes, another rcode fails; answers with another id or not answers are ignored", async () => {
    let rcode = 0;
    const { socket, port } = await udpServer((msg, reply) => {
      const wrongId = Buffer.from(msg);
      wrongId.writeUInt16BE((msg.readUInt16BE(0) + 1) & 0xffff, 0);
      wrongId[2] = 0x81;
      reply(wrongId);
      const answer = Buffer.from(msg);
      answer[2] = 0x81;
      answer[3] = 0x80 | rcode;
      reply(answer);
    });
    try {
      expect(await dnsProbe(check(port))).toEqual({ ok: true, reason: "answered", weight: null });
      rcode = 3;
      expect(await dnsProbe(check(port))).toEqual({ ok: false, reason: "rcode 3", weight: null });
    } finally {
      socket.close();
    }
  });

  test("no answer fails at the deadline", async () => {
    const port = await freeUdpPort();
    const result = await dnsProbe(check(port, { connect: target(port, 300) }));
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^(no answer within 300 ms|ECONNREFUSED)$/);
  });
});

describe("UDP_CHECK", () => {
  const check = (port: number, over: Partial<UdpCheck> = {}): UdpCheck => ({
    kind: "UDP_CHECK",
    timing,
    connect: target(port, 300),
    payload: "70696e67",
    requireReply: false,
    replyData: null,
    minReplyLength: 0,
    maxReplyLength: 255,
    ...over,
  });

  test("without require_reply: silence passes, port unreachable fails", async () => {
    const { socket, port } = await udpServer(() => undefined);
    try {
      expect(await udpProbe(check(port))).toEqual({ ok: true, reason: "no error", weight: null });
    } finally {
      socket.close();
    }
    expect(await udpProbe(check(await freeUdpPort()))).toEqual({ ok: false, reason: "ECONNREFUSED", weight: null });
  });

  test("with require_reply: the reply must come, start with reply_data and have an allowed length", async () => {
    const got: string[] = [];
    const { socket, port } = await udpServer((msg, reply) => {
      got.push(msg.toString());
      reply(Buffer.from("pong!"));
    });
    try {
      expect(await udpProbe(check(port, { requireReply: true }))).toMatchObject({ ok: true, reason: "reply of 5 bytes" });
      expect(got).toEqual(["ping"]);
      expect(await udpProbe(check(port, { requireReply: true, replyData: "706f6e67" }))).toMatchObject({
        ok: true,
        reason: "reply matched",
      });
      expect(await udpProbe(check(port, { requireReply: true, replyData: "7878" }))).toMatchObject({
        ok: false,
        reason: "reply data mismatch",
      });
      expect(await udpProbe(check(port, { requireReply: true, replyData: "70", maxReplyLength: 4 }))).toMatchObject({
        ok: false,
        reason: "reply of 5 bytes, not within 0..4",
      });
    } finally {
      socket.close();
    }
    const silent = await udpServer(() => undefined);
    try {
      expect(await udpProbe(check(silent.port, { requireReply: true }))).toEqual({
        ok: false,
        reason: "no reply within 300 ms",
        weight: null,
      });
    } finally {
      silent.socket.close();
    }
  });
});
