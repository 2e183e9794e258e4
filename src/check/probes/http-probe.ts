// HTTP_GET / SSL_GET: each url is fetched on a connection of its own, as keepalived sends it (HTTP/1.0 by default,
// User-Agent KeepAliveClient), and passes when its status code is in the url's set and, where given, the MD5 of
// the body is the digest and the regex matches (or not). Each fetch, from connecting to the last byte, runs under
// the check's one deadline; the body is hashed as it arrives and at most REGEX_WINDOW bytes of it are kept.

import { createHash } from "node:crypto";
import { type HttpCheck, type HttpUrl, REGEX_WINDOW } from "../check-definition.ts";
import { deadline, openConnection, socketError } from "./connection.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";
import { regexMatches } from "./regex-match.ts";

const MAX_HEADER_BYTES = 64 * 1024;
const HEADER_END = Buffer.from("\r\n\r\n");

export async function httpProbe(check: HttpCheck): Promise<ProbeResult> {
  let last = passed("no url");
  for (const url of check.urls) {
    last = await fetchUrl(check, url);
    if (!last.ok) return failed(`${url.path}: ${last.reason}`);
  }
  return last;
}

/** The request keepalived 2.2.7 sends for a url. */
export function httpRequest(check: HttpCheck, url: HttpUrl): string {
  const vhost = url.virtualhost ?? check.virtualhost;
  const { address, family, port } = check.connect;
  const host = vhost ?? (family === 6 ? `[${address}]:${port}` : `${address}:${port}`);
  const minor = check.httpProtocol === "1.1" ? 1 : 0;
  const close = check.httpProtocol === "1.0" ? "" : "Connection: close\r\n";
  return `GET ${url.path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

/**
 * `vipd genhash`: the MD5 of the url's body as keepalived's genhash prints it (the reason of a passed result),
 * whatever the status code.
 */
export function httpDigest(check: HttpCheck, url: HttpUrl): Promise<ProbeResult> {
  return fetchUrl(check, url, "digest");
}

function fetchUrl(check: HttpCheck, url: HttpUrl, mode: "judge" | "digest" = "judge"): Promise<ProbeResult> {
  const limit = deadline(check.connect.timeoutMs);
  const serverName = check.enableSni ? (url.virtualhost ?? check.virtualhost ?? null) : null;
  const connection = openConnection(check.connect, check.kind === "SSL_GET" ? { serverName } : null);
  const reply = new ReplyReader(url, mode);
  const outcome = connection.ready.then(
    (socket) =>
      new Promise<ProbeResult>((resolve) => {
        socket.on("data", (chunk: Buffer) => {
          const verdict = reply.add(chunk);
          if (verdict !== null) resolve(verdict);
        });
        socket.once("end", () => resolve(reply.end()));
        socket.on("error", (e) => resolve(failed(socketError(e))));
        socket.once("close", () => resolve(reply.end()));
        socket.write(httpRequest(check, url));
      }),
    (e) => failed(socketError(e)),
  );
  return Promise.race([outcome, limit.expired])
    .then(
      (result) => (result === "timeout" ? failed(`no complete reply within ${check.connect.timeoutMs} ms`) : result),
      (e) => failed(socketError(e)),
    )
    .finally(() => {
      limit.cancel();
      connection.close();
    });
}

/** Reads one reply: the status line and headers, then the body through the digest and the regex window. */
class ReplyReader {
  private head: Buffer = Buffer.alloc(0);
  private status: number | null = null;
  private remaining: number | null = null;
  private readonly md5 = createHash("md5");
  private body: Buffer[] = [];
  private kept = 0;
  /** Once reached, the verdict stands (the socket may still deliver data, end and close). */
  private verdict: ProbeResult | null = null;

  constructor(
    private readonly url: HttpUrl,
    private readonly mode: "judge" | "digest",
  ) {}

  /** A verdict as soon as one is certain, else null (read on). */
  add(chunk: Buffer): ProbeResult | null {
    if (this.verdict === null) this.verdict = this.read(chunk);
    return this.verdict;
  }

  /** The server closed the connection: the body is complete (or the reply never was). */
  end(): ProbeResult {
    if (this.verdict !== null) return this.verdict;
    if (this.status === null) this.verdict = failed(this.head.length === 0 ? "connection closed without a reply" : "reply cut short");
    else this.verdict = this.judgeBody();
    return this.verdict;
  }

  private read(chunk: Buffer): ProbeResult | null {
    if (this.status === null) {
      this.head = Buffer.concat([this.head, chunk]);
      const end = this.head.indexOf(HEADER_END);
      if (end < 0) return this.head.length > MAX_HEADER_BYTES ? failed("reply headers too long") : null;
      const parsed = parseHead(this.head.subarray(0, end).toString("latin1"));
      if (parsed === null) return failed("not an HTTP reply");
      this.status = parsed.status;
      this.remaining = parsed.contentLength;
      if (this.mode === "judge" && !statusAllowed(this.url, parsed.status)) return failed(`HTTP status ${parsed.status}`);
      if (this.mode === "judge" && this.url.digest === null && this.url.regex === null) return passed(`HTTP ${parsed.status}`);
      chunk = this.head.subarray(end + HEADER_END.length);
    }
    this.md5.update(chunk);
    if (this.kept < REGEX_WINDOW) {
      this.body.push(chunk.subarray(0, REGEX_WINDOW - this.kept));
      this.kept += Math.min(chunk.length, REGEX_WINDOW - this.kept);
    }
    if (this.remaining !== null) {
      this.remaining -= chunk.length;
      if (this.remaining <= 0) return this.judgeBody();
    }
    return null;
  }

  private judgeBody(): ProbeResult {
    const status = this.status!;
    if (this.mode === "digest") return passed(this.md5.digest("hex"));
    if (this.url.digest !== null) {
      const digest = this.md5.digest("hex");
      if (digest !== this.url.digest) return failed(`digest ${digest}, expected ${this.url.digest}`);
    }
    if (this.url.regex !== null) {
      const matched = regexMatches(this.url, Buffer.concat(this.body));
      if (matched === this.url.regexNoMatch) return failed(this.url.regexNoMatch ? "regex matched" : "regex did not match");
    }
    return passed(`HTTP ${status}`);
  }
}

function parseHead(head: string): { status: number; contentLength: number | null } | null {
  const lines = head.split("\r\n");
  const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? "");
  if (m === null) return null;
  let contentLength: number | null = null;
  for (const line of lines.slice(1)) {
    const h = /^content-length:\s*(\d+)\s*$/i.exec(line);
    if (h) contentLength = Number(h[1]);
  }
  return { status: Number(m[1]), contentLength };
}

function statusAllowed(url: HttpUrl, status: number): boolean {
  return url.statusCodes.some(([lo, hi]) => status >= lo && status <= hi);
}
