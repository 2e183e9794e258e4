// The little HTTP/1.1 the control socket speaks, so `vipd status`, `vipd handover` and `curl --unix-socket` work
// unchanged: one request per connection (no body), one answer, then the connection closes. The socket is served
// by Bun.listen rather than Bun.serve because only a raw socket tells which descriptor a request came on, and
// that descriptor's SO_PEERCRED is what says who sent it (control-access.ts).

/** A request head longer than this is refused: the commands are one short line and a few headers. */
export const MAX_REQUEST_HEAD_BYTES = 8192;

export interface ControlRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export type HeadParse =
  | { kind: "incomplete" }
  | { kind: "request"; request: ControlRequest }
  | { kind: "bad"; status: number; reason: string };

const HEAD_END = "\r\n\r\n";
const REQUEST_LINE = /^([A-Z]+) (\/\S*) HTTP\/1\.[01]$/;

/** Parses the request head in `received` (everything read so far on the connection, as Latin-1 text). */
export function parseRequestHead(received: string): HeadParse {
  const end = received.indexOf(HEAD_END);
  if (end < 0) {
    return received.length > MAX_REQUEST_HEAD_BYTES
      ? { kind: "bad", status: 431, reason: `request head longer than ${MAX_REQUEST_HEAD_BYTES} bytes` }
      : { kind: "incomplete" };
  }
  if (end > MAX_REQUEST_HEAD_BYTES) return { kind: "bad", status: 431, reason: `request head longer than ${MAX_REQUEST_HEAD_BYTES} bytes` };
  const [line = "", ...headers] = received.slice(0, end).split("\r\n");
  const match = REQUEST_LINE.exec(line);
  if (!match) return { kind: "bad", status: 400, reason: "not an HTTP/1.x request line" };
  for (const header of headers) {
    const colon = header.indexOf(":");
    if (colon <= 0) return { kind: "bad", status: 400, reason: "a malformed header line" };
    const name = header.slice(0, colon).trim().toLowerCase();
    const value = header.slice(colon + 1).trim();
    // Commands carry their arguments in the query: a body would be left unread, so it is refused, not ignored.
    if (name === "transfer-encoding" || (name === "content-length" && value !== "0")) {
      return { kind: "bad", status: 413, reason: "the control socket takes no request body" };
    }
  }
  const url = new URL(match[2]!, "http://vipd");
  return { kind: "request", request: { method: match[1]!, path: url.pathname, query: url.searchParams } };
}

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
};

/** A complete answer that closes the connection: status line, headers and `body`. */
export function httpResponse(status: number, body: string, contentType = "application/json"): Uint8Array {
  const payload = new TextEncoder().encode(body);
  const head =
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\n` +
    `Content-Type: ${contentType}\r\nContent-Length: ${payload.byteLength}\r\nConnection: close\r\n\r\n`;
  const bytes = new Uint8Array(head.length + payload.byteLength);
  bytes.set(new TextEncoder().encode(head), 0);
  bytes.set(payload, head.length);
  return bytes;
}
