// `vipd genhash URL`: the MD5 digest of a page's body, as keepalived's genhash prints it, for HTTP_GET / SSL_GET's
// `digest`. Fetched exactly as the checker fetches it (same request, same reading of the reply).

import { defineCommand } from "citty";
import { type HttpCheck, NO_REGEX_OPTIONS } from "../check/check-definition.ts";
import { httpDigest } from "../check/probes/http-probe.ts";
import { parseAddress } from "../config/address.ts";

/** http[s]://ADDRESS[:PORT]/PATH; the address is an IP literal, as a checker connects to one. */
export function checkOfUrl(text: string, virtualhost: string | null, timeoutMs: number): HttpCheck | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `not a URL: ${text}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `only http:// and https:// URLs: ${text}`;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const address = parseAddress(host);
  if (address === null) return `the host must be an IP address (the checker connects to one; --virtualhost sets the Host header): ${host}`;
  const tls = url.protocol === "https:";
  return {
    kind: tls ? "SSL_GET" : "HTTP_GET",
    timing: { delayLoopMs: 0, retry: 0, delayBeforeRetryMs: 0, warmupMs: 0, alpha: false },
    connect: {
      address: address.text,
      family: address.family,
      port: url.port === "" ? (tls ? 443 : 80) : Number(url.port),
      bindAddress: null,
      bindPort: null,
      bindInterface: null,
      fwmark: null,
      timeoutMs,
    },
    urls: [
      {
        path: `${url.pathname}${url.search}`,
        statusCodes: [[100, 599]],
        digest: null,
        virtualhost: null,
        regex: null,
        regexNoMatch: false,
        regexOptions: NO_REGEX_OPTIONS,
      },
    ],
    httpProtocol: "1.0",
    virtualhost,
    enableSni: tls && virtualhost !== null,
    fastRecovery: false,
  };
}

export const genhash = defineCommand({
  meta: { name: "genhash", description: "print the MD5 digest of a page's body, for HTTP_GET / SSL_GET digest" },
  args: {
    url: { type: "positional", description: "http://ADDRESS[:PORT]/PATH or https://...", required: true },
    virtualhost: { type: "string", alias: "V", description: "the Host header (and TLS server name) to send" },
    timeout: { type: "string", alias: "t", description: "seconds for the whole request", default: "5" },
  },
  async run({ args }) {
    const seconds = Number(args.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      process.stderr.write(`vipd genhash: --timeout must be a positive number of seconds, got ${args.timeout}\n`);
      process.exit(2);
    }
    const check = checkOfUrl(args.url, args.virtualhost ?? null, seconds * 1000);
    if (typeof check === "string") {
      process.stderr.write(`vipd genhash: ${check}\n`);
      process.exit(2);
    }
    const result = await httpDigest(check, check.urls[0]!);
    if (!result.ok) {
      process.stderr.write(`vipd genhash: ${args.url}: ${result.reason}\n`);
      process.exit(1);
    }
    process.stdout.write(`${result.reason}\n`);
  },
});
