// The analysis of one HTTP reply, whatever carried it (a placed socket for HTTP_GET, node:tls for SSL_GET): the
// status line and headers, then the body through the MD5 digest and the regex window, judged by keepalived
// 2.2.7's rules. Fed piece by piece; a verdict comes as soon as it is certain.

import { createHash, type Hash } from "node:crypto";
import { type HttpUrl, REGEX_WINDOW } from "../check-definition.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";
import { regexMatches } from "./regex-match.ts";

const MAX_HEADER_BYTES = 64 * 1024;
const HEADER_END = Buffer.from("\r\n\r\n");
const EMPTY = Buffer.alloc(0);

/** "judge": the url's verdict; "digest": the body's MD5 whatever the status (`vipd genhash`). */
export type ReplyMode = "judge" | "digest";

export class ReplyReader {
  private head: Buffer = EMPTY;
  private status: number | null = null;
  private remaining: number | null = null;
  /** Only when a digest is asked for: hashing a body nobody compares costs. */
  private md5: Hash | null = null;
  private body: Buffer[] = [];
  private kept = 0;
  /** Once reached, the verdict stands (the connection may still deliver data, end and close). */
  private verdict: ProbeResult | null = null;

  constructor(
    private readonly url: HttpUrl,
    private readonly mode: ReplyMode,
  ) {}

  /** A verdict as soon as one is certain, else null (read on). `chunk` may be reused by the caller after this. */
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
      const head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      const end = head.indexOf(HEADER_END);
      if (end < 0) {
        if (head.length > MAX_HEADER_BYTES) return failed("reply headers too long");
        this.head = head === chunk ? Buffer.from(chunk) : head;
        return null;
      }
      this.head = EMPTY;
      const status = statusOf(head);
      if (status < 0) return failed("not an HTTP reply");
      this.status = status;
      if (this.mode === "judge" && !statusAllowed(this.url, status)) return failed(`HTTP status ${status}`);
      if (this.mode === "judge" && this.url.digest === null && this.url.regex === null) return passed(`HTTP ${status}`);
      this.remaining = contentLength(head.subarray(0, end));
      if (this.mode === "digest" || this.url.digest !== null) this.md5 = createHash("md5");
      chunk = head.subarray(end + HEADER_END.length);
    }
    this.md5?.update(chunk);
    if (this.url.regex !== null && this.kept < REGEX_WINDOW) {
      const take = Math.min(chunk.length, REGEX_WINDOW - this.kept);
      this.body.push(Buffer.from(chunk.subarray(0, take)));
      this.kept += take;
    }
    if (this.remaining !== null) {
      this.remaining -= chunk.length;
      if (this.remaining <= 0) return this.judgeBody();
    }
    return null;
  }

  private judgeBody(): ProbeResult {
    const status = this.status!;
    if (this.mode === "digest") return passed(this.md5!.digest("hex"));
    if (this.url.digest !== null) {
      const digest = this.md5!.digest("hex");
      if (digest !== this.url.digest) return failed(`digest ${digest}, expected ${this.url.digest}`);
    }
    if (this.url.regex !== null) {
      const matched = regexMatches(this.url, Buffer.concat(this.body));
      if (matched === this.url.regexNoMatch) return failed(this.url.regexNoMatch ? "regex matched" : "regex did not match");
    }
    return passed(`HTTP ${status}`);
  }
}

const DIGIT_0 = 0x30;
const isDigit = (b: number | undefined) => b !== undefined && b >= DIGIT_0 && b <= DIGIT_0 + 9;
const STATUS_PREFIX = Buffer.from("HTTP/");

/** The status code of "HTTP/d.d ddd…", read from the bytes (no string is made for it); -1 if not one. */
function statusOf(head: Buffer): number {
  if (head.length < 12 || head.compare(STATUS_PREFIX, 0, 5, 0, 5) !== 0) return -1;
  if (!isDigit(head[5]) || head[6] !== 0x2e || !isDigit(head[7]) || head[8] !== 0x20) return -1;
  if (!isDigit(head[9]) || !isDigit(head[10]) || !isDigit(head[11])) return -1;
  return (head[9]! - DIGIT_0) * 100 + (head[10]! - DIGIT_0) * 10 + (head[11]! - DIGIT_0);
}

/** The last Content-Length header's value; null: none (the body ends when the server closes). */
function contentLength(head: Buffer): number | null {
  let length: number | null = null;
  for (const line of head.toString("latin1").split("\r\n").slice(1)) {
    const h = /^content-length:\s*(\d+)\s*$/i.exec(line);
    if (h) length = Number(h[1]);
  }
  return length;
}

function statusAllowed(url: HttpUrl, status: number): boolean {
  return url.statusCodes.some(([lo, hi]) => status >= lo && status <= hi);
}
