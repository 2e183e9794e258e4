import { expect, test } from "bun:test";
import { httpResponse, MAX_REQUEST_HEAD_BYTES, parseRequestHead } from "../../src/daemon/control-http.ts";

// What Bun's fetch sends for `vipd handover VI_1 --undo`.
const FETCH_HEAD =
  "POST /handover?instance=VI_1&undo=1 HTTP/1.1\r\nHost: vipd\r\nConnection: keep-alive\r\nUser-Agent: Bun/1.4.5\r\n" +
  "Accept: */*\r\nContent-Length: 0\r\n\r\n";

test("a complete head gives method, path and query; a partial one waits for more", () => {
  for (let cut = 0; cut < FETCH_HEAD.length; cut++) expect(parseRequestHead(FETCH_HEAD.slice(0, cut))).toEqual({ kind: "incomplete" });
  const parsed = parseRequestHead(FETCH_HEAD);
  if (parsed.kind !== "request") throw new Error(`not parsed: ${JSON.stringify(parsed)}`);
  expect(parsed.request.method).toBe("POST");
  expect(parsed.request.path).toBe("/handover");
  expect(parsed.request.query.get("instance")).toBe("VI_1");
  expect(parsed.request.query.get("undo")).toBe("1");
  const curl = parseRequestHead("GET /status HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n");
  expect(curl.kind === "request" && curl.request.path).toBe("/status");
});

test("malformed, oversized and body-carrying requests are refused with a status and the reason", () => {
  expect(parseRequestHead("hello\r\n\r\n")).toEqual({ kind: "bad", status: 400, reason: "not an HTTP/1.x request line" });
  expect(parseRequestHead("GET /status HTTP/2\r\n\r\n")).toMatchObject({ kind: "bad", status: 400 });
  expect(parseRequestHead("GET /status HTTP/1.1\r\nno colon here\r\n\r\n")).toMatchObject({ kind: "bad", status: 400 });
  expect(parseRequestHead("POST /handover HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")).toEqual({
    kind: "bad",
    status: 413,
    reason: "the control socket takes no request body",
  });
  expect(parseRequestHead("POST /handover HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")).toMatchObject({ kind: "bad", status: 413 });
  const endless = `GET /status HTTP/1.1\r\nX: ${"a".repeat(MAX_REQUEST_HEAD_BYTES)}`;
  expect(parseRequestHead(endless)).toMatchObject({ kind: "bad", status: 431 });
  expect(parseRequestHead(`${endless}\r\n\r\n`)).toMatchObject({ kind: "bad", status: 431 });
});

test("an answer carries its length and closes the connection", () => {
  const text = new TextDecoder().decode(httpResponse(403, '{"ok":false,"problem":"é"}'));
  expect(text).toBe(
    'HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 27\r\nConnection: close\r\n\r\n{"ok":false,"problem":"é"}',
  );
});
