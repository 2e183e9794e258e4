// The health checks of a real server (keepalived's TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK, UDP_CHECK,
// PING_CHECK, MISC_CHECK and FILE_CHECK blocks), read into
// fully resolved definitions: each setting comes from the check, else the real server, else the virtual server,
// else keepalived 2.2.7's default for that kind of check.

import {
  CHECK_KINDS,
  type CheckDefinition,
  type CheckKind,
  type CheckTiming,
  type ConnectTarget,
  DNS_TYPES,
  type DnsType,
  type HttpUrl,
  type ProbedCheck,
} from "../check/check-definition.ts";
import { parseAddress } from "./address.ts";
import { readCommand, readRunAs } from "./commands.ts";
import type { PathSegment } from "./key-path.ts";
import { FILE_CHECK_KEYS, readFileCheck } from "./file-check-section.ts";
import { REGEX_KEYS, readRegexOptions } from "./regex-options.ts";
import type { RunAs, TrackFileSection } from "./schema.ts";
import { describeValue, isTable, TableReader } from "./table-reader.ts";

/** Settings a virtual server and a real server pass down to their checks. */
export const CHECK_DEFAULT_KEYS = ["delay_loop", "alpha", "retry", "connect_timeout", "delay_before_retry", "warmup", "virtualhost"];
const CHECK_DEFAULT_KEY_SET: ReadonlySet<string> = new Set(CHECK_DEFAULT_KEYS);
export const IMPLEMENTED_CHECKS: readonly CheckKind[] = CHECK_KINDS;
const CHECK_KIND_SET: ReadonlySet<string> = new Set(IMPLEMENTED_CHECKS);

/** What is known above a check; null: not set at that level. */
export interface CheckDefaults {
  delayLoopMs: number;
  alpha: boolean;
  retry: number | null;
  connectTimeoutMs: number;
  delayBeforeRetryMs: number | null;
  warmupMs: number | null;
  virtualhost: string | null;
}

/** keepalived 2.2.7: delay_loop 60 s, connect_timeout 5 s, alpha off. */
export const TOP_DEFAULTS: CheckDefaults = {
  delayLoopMs: 60_000,
  alpha: false,
  retry: null,
  connectTimeoutMs: 5_000,
  delayBeforeRetryMs: null,
  warmupMs: null,
  virtualhost: null,
};

/** Per kind: keepalived's default retry count and delay before a retry (misc checks are not retried). */
const KIND_DEFAULTS: Record<ProbedCheck["kind"], { retry: number; delayBeforeRetryMs: number }> = {
  TCP_CHECK: { retry: 1, delayBeforeRetryMs: 1000 },
  HTTP_GET: { retry: 1, delayBeforeRetryMs: 3000 },
  SSL_GET: { retry: 1, delayBeforeRetryMs: 3000 },
  MISC_CHECK: { retry: 0, delayBeforeRetryMs: 1000 },
  SMTP_CHECK: { retry: 1, delayBeforeRetryMs: 1000 },
  // keepalived: 3 retries, and delay_before_retry defaults to delay_loop (see readTiming).
  DNS_CHECK: { retry: 3, delayBeforeRetryMs: -1 },
  UDP_CHECK: { retry: 1, delayBeforeRetryMs: 1000 },
  PING_CHECK: { retry: 1, delayBeforeRetryMs: 1000 },
};

const MAX_SECONDS = 86400;
const CONNECT_KEYS = ["connect_ip", "connect_port", "bindto", "bind_port", "bind_if", "fwmark", "connect_timeout"];
const TIMING_KEYS = ["retry", "delay_before_retry", "warmup", "delay_loop", "alpha"];
export const CHECK_KEYS: Record<CheckKind, string[]> = {
  TCP_CHECK: [...CONNECT_KEYS, ...TIMING_KEYS],
  HTTP_GET: [...CONNECT_KEYS, ...TIMING_KEYS, "url", "virtualhost", "http_protocol", "fast_recovery"],
  SSL_GET: [...CONNECT_KEYS, ...TIMING_KEYS, "url", "virtualhost", "http_protocol", "enable_sni", "fast_recovery"],
  MISC_CHECK: [...TIMING_KEYS, "misc_path", "misc_timeout", "misc_dynamic", "user"],
  SMTP_CHECK: [...CONNECT_KEYS, ...TIMING_KEYS, "helo_name"],
  DNS_CHECK: [...CONNECT_KEYS, ...TIMING_KEYS, "type", "name"],
  UDP_CHECK: [...CONNECT_KEYS, ...TIMING_KEYS, "payload", "require_reply", "reply_data", "min_reply_length", "max_reply_length"],
  PING_CHECK: ["connect_ip", "connect_timeout", ...TIMING_KEYS],
  FILE_CHECK: FILE_CHECK_KEYS,
};
/** Every probed kind (a FILE_CHECK is never run, so never fails a run). */
const LOGGING_KEYS = ["log_all_failures"];
const SMTP_DEFAULT_HELO = "smtpchecker.keepalived.org";
const DNS_DEFAULT_PORT = 53;
export const URL_KEYS = ["path", "digest", "status_code", "virtualhost", "regex", "regex_no_match", ...REGEX_KEYS];

/** The settings a virtual or real server gives its checks, over those of the level above. */
export function readCheckDefaults(r: TableReader, above: CheckDefaults): CheckDefaults {
  // Most real servers set none: the level above's then stand as they are.
  if (!r.hasAnyOf(CHECK_DEFAULT_KEY_SET)) return above;
  return {
    delayLoopMs: r.seconds("delay_loop", 0.001, MAX_SECONDS, above.delayLoopMs),
    alpha: r.bool("alpha", above.alpha),
    retry: r.optInt("retry", 0, 1_000_000) ?? above.retry,
    connectTimeoutMs: r.seconds("connect_timeout", 0.001, MAX_SECONDS, above.connectTimeoutMs),
    delayBeforeRetryMs: r.optSeconds("delay_before_retry", 0, MAX_SECONDS) ?? above.delayBeforeRetryMs,
    warmupMs: r.optSeconds("warmup", 0, MAX_SECONDS) ?? above.warmupMs,
    virtualhost: r.optString("virtualhost", "a host name") ?? above.virtualhost,
  };
}

/** The real server a check belongs to: where a connecting check goes unless told otherwise. */
export interface CheckedServer {
  address: string;
  family: 4 | 6;
  /** The port connections reach it on; null: none known (a fwmark or group service), connect_port is required. */
  port: number | null;
}

/** A check and the table it was read from (for messages about it, e.g. its program's security). */
export interface PlacedCheck {
  at: PathSegment[];
  definition: CheckDefinition;
  /**
   * keepalived's log_all_failures: log every failed run while the check is up, not only the one that takes it
   * down. What the daemon logs, not what is probed: not part of the check's identity (one probe serves both).
   */
  logAllFailures: boolean;
}

/** Every check block of a real server, each kind given as one table or a list of tables; FILE_CHECK names one of `trackFiles`. */
export function readChecks(
  r: TableReader,
  defaults: CheckDefaults,
  server: CheckedServer,
  trackFiles: readonly TrackFileSection[] = [],
): PlacedCheck[] {
  const out: PlacedCheck[] = [];
  if (!r.hasAnyOf(CHECK_KIND_SET)) return out;
  for (const kind of IMPLEMENTED_CHECKS) {
    const value = r.table[kind];
    if (value === undefined) continue;
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      const path = Array.isArray(value) ? r.at(kind).concat(i) : r.at(kind);
      if (!isTable(item)) {
        r.problems.error(path, `must be a table (or a list of tables) of ${kind} settings, got ${describeValue(item)}`);
        return;
      }
      const keys = kind === "FILE_CHECK" ? CHECK_KEYS[kind] : [...CHECK_KEYS[kind], ...LOGGING_KEYS];
      const reader = new TableReader(r.problems, path, item, keys);
      const check = kind === "FILE_CHECK" ? readFileCheck(reader, trackFiles) : readCheck(reader, kind, defaults, server);
      const logAllFailures = kind !== "FILE_CHECK" && reader.bool("log_all_failures", false);
      if (check !== null) out.push({ at: path, definition: check, logAllFailures });
    });
  }
  return out;
}

function readCheck(r: TableReader, kind: ProbedCheck["kind"], above: CheckDefaults, server: CheckedServer): CheckDefinition | null {
  const timing = readTiming(r, kind, above);
  if (kind === "MISC_CHECK") return readMisc(r, timing);
  // An echo has no port; DNS asks port 53 of a real server without one.
  const port = kind === "PING_CHECK" ? 0 : kind === "DNS_CHECK" ? (server.port ?? DNS_DEFAULT_PORT) : server.port;
  const connect = readConnect(r, above, { ...server, port }, kind !== "PING_CHECK");
  if (connect === null) return null;
  if (kind === "TCP_CHECK" || kind === "PING_CHECK") return { kind, timing, connect };
  if (kind === "SMTP_CHECK") return { kind, timing, connect, heloName: r.optString("helo_name", "a host name") ?? SMTP_DEFAULT_HELO };
  if (kind === "DNS_CHECK") return readDns(r, timing, connect);
  if (kind === "UDP_CHECK") return readUdp(r, timing, connect);
  return readHttp(r, kind, timing, connect, above);
}

function readHttp(
  r: TableReader,
  kind: "HTTP_GET" | "SSL_GET",
  timing: CheckTiming,
  connect: ConnectTarget,
  above: CheckDefaults,
): CheckDefinition | null {
  const urls = readUrls(r);
  if (urls.length === 0) {
    r.problems.error(r.at("url"), 'missing; an HTTP check needs at least one url = [{ path = "/" }]');
    return null;
  }
  const httpProtocol = r.oneOf("http_protocol", ["1.0", "1.1", "1.0C"] as const, "1.0");
  const virtualhost = r.optString("virtualhost", "a host name") ?? above.virtualhost;
  const enableSni = kind === "SSL_GET" && r.bool("enable_sni", false);
  return { kind, timing, connect, urls, httpProtocol, virtualhost, enableSni, fastRecovery: r.bool("fast_recovery", false) };
}

function readTiming(r: TableReader, kind: ProbedCheck["kind"], above: CheckDefaults): CheckTiming {
  const delayLoopMs = r.seconds("delay_loop", 0.001, MAX_SECONDS, above.delayLoopMs);
  return {
    delayLoopMs,
    retry: r.optInt("retry", 0, 1_000_000) ?? above.retry ?? KIND_DEFAULTS[kind].retry,
    delayBeforeRetryMs: r.optSeconds("delay_before_retry", 0, MAX_SECONDS) ?? above.delayBeforeRetryMs ?? kindRetryDelay(kind, delayLoopMs),
    warmupMs: r.optSeconds("warmup", 0, MAX_SECONDS) ?? above.warmupMs ?? delayLoopMs,
    alpha: r.bool("alpha", above.alpha),
  };
}

function kindRetryDelay(kind: ProbedCheck["kind"], delayLoopMs: number): number {
  const ms = KIND_DEFAULTS[kind].delayBeforeRetryMs;
  return ms < 0 ? delayLoopMs : ms;
}

function readDns(r: TableReader, timing: CheckTiming, connect: ConnectTarget): CheckDefinition {
  const type = r.oneOf("type", Object.keys(DNS_TYPES) as DnsType[], "SOA");
  const written = r.optString("name", "a domain name") ?? "";
  // "" and "." ask for the root; a trailing dot is the same name.
  const name = written.replace(/\.$/, "");
  if (name !== "" && !name.split(".").every((label) => label.length >= 1 && label.length <= 63)) {
    r.problems.error(r.at("name"), `must be a domain name (labels of 1 to 63 characters), got ${JSON.stringify(written)}`);
  }
  return { kind: "DNS_CHECK", timing, connect, type, name };
}

function readUdp(r: TableReader, timing: CheckTiming, connect: ConnectTarget): CheckDefinition {
  const hex = (key: string): string | null => {
    const value = r.optString(key, "hexadecimal bytes");
    if (value === null) return null;
    const clean = value.replace(/\s+/g, "");
    if (!/^([0-9a-fA-F]{2})+$/.test(clean)) {
      r.problems.error(r.at(key), `must be hexadecimal bytes such as "0a1b2c" (masks are not supported yet), got ${JSON.stringify(value)}`);
      return null;
    }
    return clean.toLowerCase();
  };
  const replyData = hex("reply_data");
  const requireReply = r.bool("require_reply", false) || replyData !== null;
  const minReplyLength = r.int("min_reply_length", 0, 65535, 0);
  const maxReplyLength = r.int("max_reply_length", 0, 65535, 255);
  if (minReplyLength > maxReplyLength) r.problems.error(r.at("min_reply_length"), `must not be above max_reply_length (${maxReplyLength})`);
  return { kind: "UDP_CHECK", timing, connect, payload: hex("payload") ?? "", requireReply, replyData, minReplyLength, maxReplyLength };
}

function readConnect(r: TableReader, above: CheckDefaults, server: CheckedServer, needsPort = true): ConnectTarget | null {
  const ipText = r.optString("connect_ip", "an IP address");
  const ip = ipText === null ? null : parseAddress(ipText);
  if (ipText !== null && ip === null)
    r.problems.error(r.at("connect_ip"), `must be an IPv4 or IPv6 address, got ${JSON.stringify(ipText)}`);
  const port = r.optInt("connect_port", 1, 65535) ?? server.port;
  if (needsPort && (port === null || port === 0)) {
    r.problems.error(r.at("connect_port"), "missing; the real server has no port of its own here (a fwmark or group service, or port 0)");
    return null;
  }
  const bindText = r.optString("bindto", "an IP address");
  const bind = bindText === null ? null : parseAddress(bindText);
  if (bindText !== null && bind === null)
    r.problems.error(r.at("bindto"), `must be an IPv4 or IPv6 address, got ${JSON.stringify(bindText)}`);
  const family = ip?.family ?? server.family;
  if (bind !== null && bind.family !== family)
    r.problems.error(r.at("bindto"), `is not of the family of the address checked (IPv${family})`);
  const placement = readPlacement(r);
  const address = ip?.text ?? server.address;
  if (family === 6 && /^fe[89ab]/i.test(address) && placement.bindInterface === null && needsPort) {
    r.problems.error(r.at("bind_if"), `missing; the link-local address ${address} is reached only through a named interface`);
  }
  return {
    address,
    family,
    port: port ?? 0,
    bindAddress: bind?.text ?? null,
    bindPort: r.optInt("bind_port", 1, 65535),
    ...placement,
    timeoutMs: r.seconds("connect_timeout", 0.001, MAX_SECONDS, above.connectTimeoutMs),
  };
}

/** bind_if and fwmark (keepalived's SO_BINDTODEVICE and SO_MARK on the check's socket). */
function readPlacement(r: TableReader): Pick<ConnectTarget, "bindInterface" | "fwmark"> {
  const bindInterface = r.optString("bind_if", "an interface name");
  if (bindInterface !== null && !/^[^\s/:]{1,15}$/.test(bindInterface)) {
    r.problems.error(
      r.at("bind_if"),
      `must be an interface name (1 to 15 characters, no space, "/" or ":"), got ${JSON.stringify(bindInterface)}`,
    );
  }
  // keepalived sets no mark for 0.
  const fwmark = r.optInt("fwmark", 0, 0xffffffff);
  return { bindInterface, fwmark: fwmark === 0 ? null : fwmark };
}

function readUrls(r: TableReader): HttpUrl[] {
  const out: HttpUrl[] = [];
  r.list("url", "tables {path, digest, status_code, virtualhost, regex, regex_no_match}").forEach((item, i) => {
    const path = r.at("url").concat(i);
    if (!isTable(item)) {
      r.problems.error(path, `must be a table {path, digest, status_code, ...}, got ${describeValue(item)}`);
      return;
    }
    const u = new TableReader(r.problems, path, item, URL_KEYS);
    const urlPath = u.requiredString("path", 'the path to ask for, e.g. "/health"');
    const digest = readDigest(u);
    const regexOptions = readRegexOptions(u, u.optString("regex", "a regular expression"));
    const regex = readRegex(u, regexOptions.flags);
    const regexNoMatch = u.bool("regex_no_match", false);
    if (regexNoMatch && regex === null) r.problems.error(u.at("regex_no_match"), "needs regex");
    if (urlPath === null) return;
    out.push({
      path: urlPath,
      statusCodes: readStatusCodes(u),
      digest,
      virtualhost: u.optString("virtualhost", "a host name"),
      regex,
      regexNoMatch,
      regexOptions,
    });
  });
  return out;
}

function readDigest(u: TableReader): string | null {
  const digest = u.optString("digest", "an MD5 digest in hex (vipd genhash URL prints it)");
  if (digest === null) return null;
  if (!/^[0-9a-fA-F]{32}$/.test(digest)) {
    u.problems.error(u.at("digest"), `must be 32 hexadecimal digits (an MD5 digest), got ${JSON.stringify(digest)}`);
    return null;
  }
  return digest.toLowerCase();
}

function readRegex(u: TableReader, flags: string): string | null {
  const regex = u.optString("regex", "a regular expression");
  if (regex === null) return null;
  try {
    new RegExp(regex, flags);
  } catch (e) {
    u.problems.error(u.at("regex"), `is not a valid regular expression: ${(e as Error).message}`);
    return null;
  }
  return regex;
}

/** status_code = [200, "300-399"]: codes and inclusive ranges, 100..599; keepalived's default is 200-299. */
function readStatusCodes(u: TableReader): [number, number][] {
  const value = u.table.status_code;
  if (value === undefined) return [[200, 299]];
  const items = Array.isArray(value) ? value : [value];
  const out: [number, number][] = [];
  items.forEach((item, i) => {
    const path: PathSegment[] = Array.isArray(value) ? u.at("status_code").concat(i) : u.at("status_code");
    const range = statusRange(item);
    if (range === null) u.problems.error(path, `must be a status code from 100 to 599 or a range "200-299", got ${describeValue(item)}`);
    else out.push(range);
  });
  return out.length > 0 ? out : [[200, 299]];
}

function statusRange(item: unknown): [number, number] | null {
  const valid = (n: number) => Number.isInteger(n) && n >= 100 && n <= 599;
  if (typeof item === "number") return valid(item) ? [item, item] : null;
  if (typeof item !== "string") return null;
  const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(item);
  if (m === null) return null;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return valid(lo) && valid(hi) && lo <= hi ? [lo, hi] : null;
}

function readMisc(r: TableReader, timing: CheckTiming): CheckDefinition | null {
  const command = readCommand(r, "misc_path");
  if (!r.has("misc_path")) r.missing("misc_path", "the program to run (its exit status is the verdict)");
  // keepalived's `user USER [GROUP]` line, or misc_path's own {command, user, group} table.
  const user = readRunAs(r, "user");
  if (user !== null && command?.runAs) r.problems.error(r.at("user"), "given twice: in misc_path's table and here; keep one");
  const runAs: RunAs | null = command?.runAs ?? user;
  const timeoutMs = r.optSeconds("misc_timeout", 0.001, MAX_SECONDS) ?? timing.delayLoopMs;
  const dynamic = r.bool("misc_dynamic", false);
  if (command === null) return null;
  return { kind: "MISC_CHECK", timing, command: command.raw, argv: command.argv, runAs, timeoutMs, dynamic };
}
