// `vipd genhash URL` prints what keepalived's own genhash prints, for the same page over HTTP and over TLS (a
// certificate made by openssl for the test); both run against servers this test starts on loopback.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { checkOfUrl } from "../../src/cli/genhash.ts";
import { selfCommand } from "../../src/process/self-command.ts";

const BODY = `<html><body>${"vipd ".repeat(2000)}</body></html>\n`;
const reply = `HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
let http: Server;
let tls: TlsServer;
let dir = "";

function answer(socket: import("node:net").Socket) {
  let text = "";
  socket.on("error", () => undefined);
  socket.on("data", (d) => {
    text += d.toString();
    if (text.includes("\r\n\r\n")) socket.end(reply);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vipd-genhash-"));
  const made = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=www.example.com",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stderr: "pipe" },
  );
  if (made.exitCode !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr.toString()}`);
  http = createServer(answer);
  tls = createTlsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, answer);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
});
afterAll(() => {
  http?.close();
  tls?.close();
  rmSync(dir, { recursive: true, force: true });
});

const portOf = (s: Server | TlsServer) => (s.address() as { port: number }).port;
/** Asynchronously: the servers answering live in this process. */
async function run(argv: string[]) {
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

test("the digest matches keepalived's genhash over HTTP and TLS", async () => {
  const expected = new Bun.CryptoHasher("md5").update(BODY).digest("hex");
  for (const [server, scheme, tlsFlag] of [
    [http, "http", []],
    [tls, "https", ["-S"]],
  ] as const) {
    const port = portOf(server);
    const ours = await run([...selfCommand(), "genhash", `${scheme}://127.0.0.1:${port}/index.html`]);
    expect(ours).toEqual({ code: 0, out: `${expected}\n`, err: "" });
    const theirs = await run(["genhash", ...tlsFlag, "-s", "127.0.0.1", "-p", String(port), "-u", "/index.html"]);
    expect(theirs.code).toBe(0);
    expect(theirs.out.trim()).toBe(expected);
  }
});

test("a wrong URL is a usage error that says why", async () => {
  expect(checkOfUrl("ftp://127.0.0.1/", null, 1000)).toBe("only http:// and https:// URLs: ftp://127.0.0.1/");
  expect(checkOfUrl("http://www.example.com/", null, 1000)).toMatch(/^the host must be an IP address/);
  expect(checkOfUrl("http://[2001:db8::1]:8080/x?y=1", "v.example", 1000)).toMatchObject({
    connect: { address: "2001:db8::1", family: 6, port: 8080 },
    urls: [{ path: "/x?y=1" }],
    virtualhost: "v.example",
  });
  const r = await run([...selfCommand(), "genhash", "http://www.example.com/"]);
  expect(r.code).toBe(2);
  expect(r.err).toContain("vipd genhash: the host must be an IP address");
});
