// HTTP_GET / SSL_GET: each url is fetched on a connection of its own, as keepalived sends it (HTTP/1.0 by default,
// User-Agent KeepAliveClient), and passes when its status code is in the url's set and, where given, the MD5 of
// the body is the digest and the regex matches (or not): the reply's analysis is http-reply.ts. Each fetch, from
// connecting to the last byte, runs under the check's one deadline. HTTP_GET goes over a socket of our own watched
// with every other check's (src/adapters/linux/stream-exchange.ts); SSL_GET over node:tls.

import type { ExchangeClient, ExchangeEnd } from "../../adapters/linux/stream-exchange.ts";
import { startExchange } from "../../adapters/linux/stream-exchange.ts";
import type { HttpCheck, HttpUrl } from "../check-definition.ts";
import { deadline, openConnection, socketError } from "./connection.ts";
import { ReplyReader, type ReplyMode } from "./http-reply.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";

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

function fetchUrl(check: HttpCheck, url: HttpUrl, mode: ReplyMode = "judge"): Promise<ProbeResult> {
  if (check.kind === "SSL_GET") return fetchOverTls(check, url, mode);
  return new Promise((resolve) =>
    startExchange(
      check.connect,
      check.connect.timeoutMs,
      new HttpExchange(requestBytes(check, url), new ReplyReader(url, mode), check.connect.timeoutMs, resolve),
    ),
  );
}

/** A url's request, encoded once per check definition (which lives until the configuration changes). */
const requests = new WeakMap<HttpUrl, { check: HttpCheck; bytes: Uint8Array }>();

function requestBytes(check: HttpCheck, url: HttpUrl): Uint8Array {
  const known = requests.get(url);
  if (known !== undefined && known.check === check) return known.bytes;
  const bytes = Buffer.from(httpRequest(check, url), "latin1");
  requests.set(url, { check, bytes });
  return bytes;
}

/** One url's fetch over a stream exchange: the reply goes to the reader, the end becomes the result. */
class HttpExchange implements ExchangeClient {
  constructor(
    readonly request: Uint8Array,
    private readonly reply: ReplyReader,
    private readonly timeoutMs: number,
    private readonly resolve: (result: ProbeResult) => void,
  ) {}

  data(chunk: Buffer): boolean {
    return this.reply.add(chunk) !== null;
  }

  end(how: ExchangeEnd, error: string): void {
    if (how === "done" || how === "closed") this.resolve(this.reply.end());
    else if (how === "timeout") this.resolve(failed(`no complete reply within ${this.timeoutMs} ms`));
    else this.resolve(failed(error));
  }
}

function fetchOverTls(check: HttpCheck, url: HttpUrl, mode: ReplyMode): Promise<ProbeResult> {
  const limit = deadline(check.connect.timeoutMs);
  const serverName = check.enableSni ? (url.virtualhost ?? check.virtualhost ?? null) : null;
  const connection = openConnection(check.connect, { serverName });
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
