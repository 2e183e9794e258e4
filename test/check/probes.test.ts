// The probes against real servers on loopback, started by the test: verdicts, reasons, and the deadline over the
// whole check (a reply dripping in small pieces cannot stretch it).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { ConnectTarget, HttpCheck, HttpUrl, MiscCheck } from "../../src/check/check-definition.ts";
import { httpProbe, httpRequest } from "../../src/check/probes/http-probe.ts";
import { miscProbe } from "../../src/check/probes/misc-probe.ts";
import { startTcpProbe } from "../../src/check/probes/tcp-probe.ts";
import { runCommand } from "../../src/process/run-command.ts";
import { httpUrl } from "./http-url.ts";

/** One TCP_CHECK run, its result awaited. */
const tcpProbe = (target: Parameters<typeof startTcpProbe>[0]) => new Promise((done) => startTcpProbe(target, done));

type Behaviour = (socket: Socket, request: string) => void;
const BODY = "<html>all good</html>";
const behaviours: Record<string, Behaviour> = {
  "/ok": (s) => s.end(`HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n${BODY}`),
  "/length": (s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`), // keeps the connection open
  "/missing": (s) => s.end("HTTP/1.0 404 Not Found\r\n\r\n"),
  "/hang": () => undefined,
  "/reset": (s) => s.resetAndDestroy(),
  "/drip": (s) => {
    s.write("HTTP/1.0 200 OK\r\n\r\n");
    const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write("x")), 50);
    s.on("close", () => clearInterval(timer));
  },
};

let server: Server;
let port = 0;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    let text = "";
    socket.on("error", () => undefined);
    socket.on("data", (d) => {
      text += d.toString();
      if (!text.includes("\r\n\r\n")) return;
      requests.push(text);
      const path = text.split(" ")[1]!;
      (behaviours[path] ?? behaviours["/missing"]!)(socket, text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server.close());

const target = (over: Partial<ConnectTarget> = {}): ConnectTarget => ({
  address: "127.0.0.1",
  family: 4,
  port,
  bindAddress: null,
  bindPort: null,
  bindInterface: null,
  fwmark: null,
  timeoutMs: 2000,
  ...over,
});
const url = (path: string, over: Partial<HttpUrl> = {}): HttpUrl => httpUrl({ path, ...over });
const timing = { delayLoopMs: 1000, retry: 0, delayBeforeRetryMs: 0, warmupMs: 0, alpha: false };
const http = (urls: HttpUrl[], over: Partial<ConnectTarget> = {}): HttpCheck => ({
  kind: "HTTP_GET",
  timing,
  connect: target(over),
  urls,
  httpProtocol: "1.0",
  virtualhost: null,
  enableSni: false,
  fastRecovery: false,
});

describe("TCP_CHECK", () => {
  test("a listening port passes, a closed one fails with the kernel's answer", async () => {
    expect(await tcpProbe(target())).toEqual({ ok: true, reason: "connected", weight: null });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const closedPort = (closed.address() as { port: number }).port;
    closed.close();
    expect(await tcpProbe(target({ port: closedPort }))).toEqual({ ok: false, reason: "ECONNREFUSED", weight: null });
  });
});

describe("HTTP_GET", () => {
  test("keepalived's request: HTTP/1.0, its User-Agent, Host address:port or the virtual host", () => {
    const check = http([url("/ok")]);
    expect(httpRequest(check, check.urls[0]!)).toBe(`GET /ok HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    const v11 = { ...check, httpProtocol: "1.1" as const, virtualhost: "www.example.com" };
    expect(httpRequest(v11, url("/"))).toBe(
      "GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com\r\n\r\n",
    );
    const v6 = http([url("/")], { address: "2001:db8::1", family: 6 });
    expect(httpRequest(v6, url("/"))).toContain(`Host: [2001:db8::1]:${port}\r\n`);
  });

  test("status codes, digest and regex decide; every url must pass", async () => {
    const md5 = createHash("md5").update(BODY).digest("hex");
    expect(await httpProbe(http([url("/ok")]))).toMatchObject({ ok: true, reason: "HTTP 200" });
    expect(await httpProbe(http([url("/missing")]))).toMatchObject({ ok: false, reason: "/missing: HTTP status 404" });
    expect(await httpProbe(http([url("/missing", { statusCodes: [[404, 404]] })]))).toMatchObject({ ok: true });
    expect(await httpProbe(http([url("/ok", { digest: md5 })]))).toMatchObject({ ok: true });
    expect(await httpProbe(http([url("/ok", { digest: "0".repeat(32) })]))).toEqual({
      ok: false,
      reason: `/ok: digest ${md5}, expected ${"0".repeat(32)}`,
      weight: null,
    });
    expect(await httpProbe(http([url("/ok", { regex: "all g[o]+d" })]))).toMatchObject({ ok: true });
    expect(await httpProbe(http([url("/ok", { regex: "error", regexNoMatch: true })]))).toMatchObject({ ok: true });
    expect(await httpProbe(http([url("/ok", { regex: "good", regexNoMatch: true })]))).toMatchObject({
      ok: false,
      reason: "/ok: regex matched",
    });
    expect(await httpProbe(http([url("/ok"), url("/missing")]))).toMatchObject({ ok: false, reason: "/missing: HTTP status 404" });
  });

  test("a reply with Content-Length is complete at its length, even if the server keeps the connection", async () => {
    const md5 = createHash("md5").update(BODY).digest("hex");
    const started = performance.now();
    expect(await httpProbe(http([url("/length", { digest: md5 })]))).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  test("the deadline covers the whole check: a hung server and a dripping reply both fail at connect_timeout", async () => {
    for (const path of ["/hang", "/drip"]) {
      const started = performance.now();
      const result = await httpProbe(http([url(path, { regex: "never" })], { timeoutMs: 400 }));
      const took = performance.now() - started;
      expect(result).toEqual({ ok: false, reason: `${path}: no complete reply within 400 ms`, weight: null });
      expect(took).toBeGreaterThanOrEqual(390);
      expect(took).toBeLessThan(1500);
    }
  });

  test("a reset connection fails with its reason", async () => {
    const result = await httpProbe(http([url("/reset")]));
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^\/reset: (ECONNRESET|connection closed without a reply)$/);
  });
});

describe("MISC_CHECK", () => {
  const misc = (argv: string[], over: Partial<MiscCheck> = {}) =>
    ({ kind: "MISC_CHECK", timing, command: argv.join(" "), argv, runAs: null, timeoutMs: 2000, dynamic: false, ...over }) as const;

  test("exit 0 up, other codes down; misc_dynamic reads 2..255 as weight code - 2", async () => {
    expect(await miscProbe(misc(["/bin/sh", "-c", "exit 0"]), runCommand, {})).toEqual({ ok: true, reason: "exit 0", weight: null });
    expect(await miscProbe(misc(["/bin/sh", "-c", "echo broken >&2; exit 3"]), runCommand, {})).toEqual({
      ok: false,
      reason: "exit 3: broken",
      weight: null,
    });
    expect(await miscProbe(misc(["/bin/sh", "-c", "exit 12"], { dynamic: true }), runCommand, {})).toEqual({
      ok: true,
      reason: "exit 12: weight 10",
      weight: 10,
    });
    expect(await miscProbe(misc(["/bin/sh", "-c", "exit 1"], { dynamic: true }), runCommand, {})).toMatchObject({ ok: false });
  });

  test("a hung program is killed at misc_timeout; a missing one fails to start", async () => {
    expect(await miscProbe(misc(["/bin/sleep", "10"], { timeoutMs: 200 }), runCommand, {})).toEqual({
      ok: false,
      reason: "timed out after 200 ms",
      weight: null,
    });
    expect((await miscProbe(misc(["/nonexistent/check"]), runCommand, {})).reason).toMatch(/^could not start: ENOENT/);
  });
});
