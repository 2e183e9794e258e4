// The HTTP reply analysis (src/check/probes/http-reply.ts) fed the way the checkers' own transport feeds it: every
// piece in one read buffer that is overwritten by the next read. What the reader keeps (a head split over reads,
// the body for the regex) must be its own copy, and the digest must be the body's.

import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { ReplyReader } from "../../src/check/probes/http-reply.ts";
import { httpUrl } from "./http-url.ts";

const url = httpUrl;

/** Feeds `reply` in pieces of `size` through one reused buffer, scribbled over after each piece. */
function feed(reader: ReplyReader, reply: string, size: number) {
  const shared = Buffer.alloc(size);
  const bytes = Buffer.from(reply, "latin1");
  for (let at = 0; at < bytes.length; at += size) {
    const n = bytes.copy(shared, 0, at, Math.min(at + size, bytes.length));
    const verdict = reader.add(shared.subarray(0, n));
    shared.fill(0x21);
    if (verdict !== null) return verdict;
  }
  return reader.end();
}

const BODY = "<html><body>the service is all good today</body></html>";
const REPLY = `HTTP/1.1 200 OK\r\nServer: test\r\nX-Padding: ${"p".repeat(40)}\r\n\r\n${BODY}`;
const md5 = createHash("md5").update(BODY).digest("hex");

test("a head and body split across reads of a reused buffer: digest and regex see the real bytes", () => {
  for (const size of [1, 7, 64, 4096]) {
    expect(feed(new ReplyReader(url({ digest: md5 }), "judge"), REPLY, size)).toMatchObject({ ok: true, reason: "HTTP 200" });
    expect(feed(new ReplyReader(url({ regex: "all good today" }), "judge"), REPLY, size)).toMatchObject({ ok: true });
    expect(feed(new ReplyReader(url(), "digest"), REPLY, size)).toMatchObject({ ok: true, reason: md5 });
  }
});

test("the status line decides at once; malformed or cut short replies fail with their reason", () => {
  expect(feed(new ReplyReader(url(), "judge"), "HTTP/1.0 503 Busy\r\n\r\n", 64)).toMatchObject({ ok: false, reason: "HTTP status 503" });
  expect(feed(new ReplyReader(url(), "judge"), "SSH-2.0-OpenSSH\r\n\r\n", 64)).toMatchObject({ ok: false, reason: "not an HTTP reply" });
  expect(feed(new ReplyReader(url(), "judge"), "HTTP/1.0 20", 64)).toMatchObject({ ok: false, reason: "reply cut short" });
  expect(feed(new ReplyReader(url(), "judge"), "", 64)).toMatchObject({ ok: false, reason: "connection closed without a reply" });
  const length = `HTTP/1.0 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
  const reader = new ReplyReader(url({ digest: md5 }), "judge");
  // Complete at its length: the verdict comes before the server closes.
  expect(reader.add(Buffer.from(length))).toMatchObject({ ok: true });
});
