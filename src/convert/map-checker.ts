// keepalived's health checkers (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK, MISC_CHECK,
// FILE_CHECK) and the checker settings a virtual or
// real server passes down (delay_loop, retry, ...), into vipd's [[...real_servers.KIND]] tables. The kinds vipd
// does not run yet are reported (lossy: a checker decides which servers get traffic).

import type { ConvertContext } from "./convert-context.ts";
import type { TomlDocument, TomlSection, TomlValue } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { addressArg, boolArg, decimalArg, firstArg, intArg } from "./values.ts";
import { type Handler, walkBlock } from "./walk-block.ts";
import type { Unsupported } from "./unsupported-keywords.ts";
import { weightLine } from "./map-scripts.ts";
import { REFUSED_REGEX_OPTIONS, REGEX_OPTIONS } from "../config/regex-options.ts";

const MAX_SECONDS = 86400;

/** Checker kinds vipd does not run yet (reported as lossy by the real server's mapping). */
export const CHECKER_KINDS_NOT_YET = ["BFD_CHECK"];

/** Every checker setting is built now: none is reported as not yet. */
const SETTINGS_NOT_YET: Record<string, Unsupported> = {};

/** delay_loop, alpha, retry, connect_timeout, delay_before_retry, warmup, virtualhost on a virtual or real server. */
export function checkerSettingHandlers(ctx: ConvertContext, section: TomlSection): Record<string, Handler> {
  const set = (key: string, value: TomlValue | null) => {
    if (value !== null) section.set(key, value);
  };
  return {
    delay_loop: (n) => set("delay_loop", decimalArg(ctx, n, 0.001, MAX_SECONDS)),
    alpha: (n) => set("alpha", boolArg(ctx, n)),
    retry: (n) => set("retry", intArg(ctx, n, 0, 1_000_000)),
    nb_get_retry: (n) => set("retry", intArg(ctx, n, 0, 1_000_000)),
    connect_timeout: (n) => set("connect_timeout", decimalArg(ctx, n, 0.001, MAX_SECONDS)),
    delay_before_retry: (n) => set("delay_before_retry", decimalArg(ctx, n, 0, MAX_SECONDS)),
    warmup: (n) => set("warmup", decimalArg(ctx, n, 0, MAX_SECONDS)),
    virtualhost: (n) => set("virtualhost", firstArg(ctx, n, "a host name")),
  };
}

/** The checker blocks of a real_server, each written as a [[virtual_servers.VS.real_servers.KIND]] table. */
export function checkerBlockHandlers(ctx: ConvertContext, doc: TomlDocument, realServerPath: string[]): Record<string, Handler> {
  const block = (kind: string) => (node: ConfNode) => {
    const section = doc.arrayTable([...realServerPath, kind]);
    const hosts: ConfNode[] = [];
    const handlers: Record<string, Handler> = { ...commonHandlers(ctx, section), ...kindHandlers(ctx, doc, section, kind) };
    if (kind === "SMTP_CHECK") handlers.host = (n) => hosts.push(n);
    if (kind === "PING_CHECK") {
      // An echo has no port, and vipd's echo socket is shared: no source address of its own.
      for (const k of ["connect_port", "bind_port"]) delete handlers[k];
      handlers.bindto = (n) => ctx.unsupported(section, n, "sent the echo from this source address", false);
      // keepalived 2.2.7 reads both for PING_CHECK but its echo socket sets neither.
      for (const k of ["bind_if", "fwmark"])
        handlers[k] = (n) => ctx.warn(section, n, "keepalived 2.2.7 does not apply it to PING_CHECK; left out");
    }
    if (kind === "UDP_CHECK") {
      handlers.bind_if = (n) =>
        ctx.warn(section, n, "keepalived 2.2.7 does not apply it to UDP_CHECK (only fwmark); left out so the check runs as before");
    }
    walkBlock(ctx, section, node.children ?? [], handlers, SETTINGS_NOT_YET);
    if (hosts.length > 0) smtpHosts(ctx, doc, section, node, hosts);
    if ((kind === "HTTP_GET" || kind === "SSL_GET") && !(node.children ?? []).some((c) => c.keyword === "url")) {
      ctx.warn(
        doc.dropTable(section),
        node,
        `${kind} without url: keepalived 2.2.7 ignores the checker ("has no urls specified"), left out`,
        true,
      );
    }
  };
  return Object.fromEntries([
    ...["TCP_CHECK", "HTTP_GET", "SSL_GET", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK", "PING_CHECK", "MISC_CHECK"].map((k) => [k, block(k)]),
    ["FILE_CHECK", (node: ConfNode) => mapFileCheck(ctx, doc, realServerPath, node)],
  ]);
}

/** keepalived's IPVS_WEIGHT_LIMIT: a FILE_CHECK's own weight. */
const MAX_WEIGHT = 2147483647;
/** The FILE_CHECKs written, per conversion: keepalived drops one whose track_file it has not read by then. */
const fileChecks = new WeakMap<ConvertContext, { section: TomlSection; node: ConfNode; name: string }[]>();

/** FILE_CHECK { track_file NAME; weight W [reverse] }: only those two keywords (keepalived knows no other there). */
function mapFileCheck(ctx: ConvertContext, doc: TomlDocument, realServerPath: string[], node: ConfNode): void {
  const section = doc.arrayTable([...realServerPath, "FILE_CHECK"]);
  walkBlock(
    ctx,
    section,
    node.children ?? [],
    {
      track_file: (n) => {
        const name = firstArg(ctx, n, "a track_file name");
        if (name !== null) section.set("track_file", name);
      },
      weight: (n) => weightLine(ctx, section, n, MAX_WEIGHT),
    },
    {},
  );
  const name = section.get("track_file");
  if (typeof name !== "string") {
    ctx.warn(doc.dropTable(section), node, "no track_file: keepalived 2.2.7 ignores the checker, left out", true);
    return;
  }
  fileChecks.set(ctx, [...(fileChecks.get(ctx) ?? []), { section, node, name }]);
}

/** After the whole file: a FILE_CHECK naming no track_file block keepalived read ("track_file X not found") is left out. */
export function dropUnknownFileChecks(ctx: ConvertContext, doc: TomlDocument, trackFiles: ReadonlySet<string>): void {
  for (const { section, node, name } of fileChecks.get(ctx) ?? []) {
    if (trackFiles.has(name)) continue;
    ctx.warn(doc.dropTable(section), node, `track_file ${name} not found: keepalived 2.2.7 ignores the checker, left out`, true);
  }
}

const CONNECTION_KEYS = ["connect_ip", "connect_port", "bindto", "bind_port"];

/**
 * SMTP_CHECK's deprecated host blocks, as keepalived 2.2.7 runs them: one checker per host with the block's other
 * settings; when the block sets no connection of its own, its first host is where the block itself connects.
 */
function smtpHosts(ctx: ConvertContext, doc: TomlDocument, section: TomlSection, node: ConfNode, hosts: ConfNode[]): void {
  const own = CONNECTION_KEYS.some((k) => section.has(k));
  const shared = section.entries().filter(([k]) => !CONNECTION_KEYS.includes(k) && k !== "connect_timeout");
  const connection = (target: TomlSection, host: ConfNode) =>
    walkBlock(ctx, target, host.children ?? [], connectionHandlers(ctx, target), SETTINGS_NOT_YET);
  if (!own) connection(section, hosts[0]!);
  for (const host of own ? hosts : hosts.slice(1)) {
    const copy = doc.arrayTable(section.path!);
    for (const [k, v] of shared) copy.set(k, v);
    if (section.has("connect_timeout")) copy.set("connect_timeout", section.get("connect_timeout")!);
    connection(copy, host);
  }
  ctx.warn(
    section,
    node,
    `${hosts.length} host blocks (deprecated in keepalived 2.x): written as one SMTP_CHECK per host, as keepalived runs them`,
  );
}

function connectionHandlers(ctx: ConvertContext, section: TomlSection): Record<string, Handler> {
  const set = (key: string, value: TomlValue | null) => {
    if (value !== null) section.set(key, value);
  };
  return {
    connect_ip: (n) => set("connect_ip", addressArg(ctx, n)),
    connect_port: (n) => set("connect_port", intArg(ctx, n, 1, 65535)),
    bindto: (n) => set("bindto", addressArg(ctx, n)),
    bind_port: (n) => set("bind_port", intArg(ctx, n, 1, 65535)),
    bind_if: (n) => {
      const name = firstArg(ctx, n, "an interface name");
      // keepalived 2.2.7 ignores a name too long for an interface ("Interface name ... is too long").
      if (name !== null && name.length > 15)
        ctx.warn(section, n, `${name}: too long for an interface name; keepalived ignores it, left out`);
      else set("bind_if", name);
    },
    fwmark: (n) => set("fwmark", intArg(ctx, n, 0, 0xffffffff)),
    connect_timeout: (n) => set("connect_timeout", decimalArg(ctx, n, 0.001, MAX_SECONDS)),
  };
}

function commonHandlers(ctx: ConvertContext, section: TomlSection): Record<string, Handler> {
  const timing = checkerSettingHandlers(ctx, section);
  delete timing.virtualhost;
  const logAll = (n: ConfNode) => {
    const value = boolArg(ctx, n);
    if (value !== null) section.set("log_all_failures", value);
  };
  return { ...timing, ...connectionHandlers(ctx, section), log_all_failures: logAll };
}

function kindHandlers(ctx: ConvertContext, doc: TomlDocument, section: TomlSection, kind: string): Record<string, Handler> {
  const set = (key: string, value: TomlValue | null) => {
    if (value !== null) section.set(key, value);
  };
  if (kind === "MISC_CHECK") {
    return {
      misc_path: (n) => set("misc_path", firstArg(ctx, n, "a command line")),
      misc_timeout: (n) => set("misc_timeout", decimalArg(ctx, n, 0.001, MAX_SECONDS)),
      misc_dynamic: (n) => set("misc_dynamic", boolArg(ctx, n)),
      user: (n) => set("user", n.args.length === 0 ? firstArg(ctx, n, "a user name") : n.args.slice(0, 2).join(" ")),
    };
  }
  if (kind === "TCP_CHECK" || kind === "PING_CHECK") return {};
  if (kind === "SMTP_CHECK") return { helo_name: (n) => set("helo_name", firstArg(ctx, n, "a host name")) };
  if (kind === "DNS_CHECK") {
    return {
      type: (n) => set("type", firstArg(ctx, n, "a record type")?.toUpperCase() ?? null),
      name: (n) => set("name", firstArg(ctx, n, "a domain name")),
    };
  }
  if (kind === "UDP_CHECK") {
    // keepalived reads hex with spaces allowed; vipd's key takes the digits.
    const hex = (n: ConfNode) => (n.args.length === 0 ? null : n.args.join("").toLowerCase());
    return {
      payload: (n) => set("payload", hex(n) ?? firstArg(ctx, n, "hexadecimal bytes")),
      require_reply: (n) => {
        section.set("require_reply", true);
        set("reply_data", hex(n));
      },
      min_reply_length: (n) => set("min_reply_length", intArg(ctx, n, 0, 65535)),
      max_reply_length: (n) => set("max_reply_length", intArg(ctx, n, 0, 65535)),
    };
  }
  const handlers: Record<string, Handler> = {
    virtualhost: (n) => set("virtualhost", firstArg(ctx, n, "a host name")),
    http_protocol: (n) => {
      const word = firstArg(ctx, n, "1.0, 1.1 or 1.0C");
      if (word === null) return;
      const value = word === "1.0c" ? "1.0C" : word;
      if (!["1.0", "1.1", "1.0C"].includes(value)) ctx.error(n, `http_protocol: invalid version '${word}' (1.0, 1.1 or 1.0C)`);
      else section.set("http_protocol", value);
    },
    url: (n) => mapUrl(ctx, doc, section, n),
  };
  if (kind === "SSL_GET") handlers.enable_sni = (n) => set("enable_sni", boolArg(ctx, n));
  handlers.fast_recovery = (n) => set("fast_recovery", boolArg(ctx, n));
  return handlers;
}

function mapUrl(ctx: ConvertContext, doc: TomlDocument, checker: TomlSection, node: ConfNode): void {
  const section = doc.arrayTable([...(checker.path ?? []), "url"]);
  const set = (key: string, value: TomlValue | null) => {
    if (value !== null) section.set(key, value);
  };
  walkBlock(
    ctx,
    section,
    node.children ?? [],
    {
      path: (n) => set("path", firstArg(ctx, n, "a path")),
      digest: (n) => set("digest", firstArg(ctx, n, "an MD5 digest")),
      status_code: (n) => {
        const codes: TomlValue[] = [];
        for (const word of n.args) codes.push(/^\d+$/.test(word) ? Number(word) : word);
        if (codes.length === 0) ctx.error(n, "status_code: missing value (codes or ranges such as 200-299)");
        else section.set("status_code", codes);
      },
      virtualhost: (n) => set("virtualhost", firstArg(ctx, n, "a host name")),
      regex: (n) => set("regex", firstArg(ctx, n, "a regular expression")),
      regex_no_match: (n) => set("regex_no_match", boolArg(ctx, n)),
      regex_options: (n) => mapRegexOptions(ctx, section, n),
      regex_min_offset: (n) => set("regex_min_offset", intArg(ctx, n, 0, REGEX_OFFSET_MAX)),
      regex_max_offset: (n) => set("regex_max_offset", intArg(ctx, n, 0, REGEX_OFFSET_MAX)),
      regex_stack: (n) => ctx.warn(section, n, "the PCRE2 JIT's stack size: vipd's JavaScript regular expressions need none, left out"),
    },
    SETTINGS_NOT_YET,
  );
  dropIgnoredRegexSettings(ctx, section, node);
  if (!section.has("path"))
    ctx.warn(doc.dropTable(section), node, 'url without path: keepalived 2.2.7 ignores it ("url has no path"), left out', true);
}

/** vipd searches the body's first MiB (src/check/check-definition.ts REGEX_WINDOW). */
const REGEX_OFFSET_MAX = 1024 * 1024 - 1;

/** keepalived ORs the words of every regex_options line; words it does not know it skips without a word. */
function mapRegexOptions(ctx: ConvertContext, section: TomlSection, node: ConfNode): void {
  const written = section.get("regex_options");
  const options = Array.isArray(written) ? [...written] : [];
  for (const word of node.args) {
    if (!REGEX_OPTIONS.includes(word)) ctx.warn(section, node, `'${word}' is no PCRE2 option keepalived knows: it ignores it, left out`);
    else if (word in REFUSED_REGEX_OPTIONS)
      ctx.unsupported(section, node, `the PCRE2 option ${word}: ${REFUSED_REGEX_OPTIONS[word]}`, true);
    else if (!options.includes(word)) options.push(word);
  }
  if (options.length > 0) section.set("regex_options", options);
}

/**
 * keepalived drops the regex settings of a url without regex ("regex parameters specified without regex") and
 * both offsets when the minimum is beyond the maximum; vipd refuses them, so they are left out with the reason.
 */
function dropIgnoredRegexSettings(ctx: ConvertContext, section: TomlSection, node: ConfNode): void {
  const settings = ["regex_no_match", "regex_options", "regex_min_offset", "regex_max_offset"].filter((k) => section.has(k));
  if (!section.has("regex") && settings.length > 0) {
    for (const key of settings) section.delete(key);
    ctx.warn(section, node, `${settings.join(", ")} without regex: keepalived 2.2.7 ignores them, left out`);
    return;
  }
  const min = section.get("regex_min_offset");
  const max = section.get("regex_max_offset");
  if (typeof min === "number" && typeof max === "number" && min > max) {
    section.delete("regex_min_offset");
    section.delete("regex_max_offset");
    ctx.warn(section, node, `regex_min_offset ${min} is beyond regex_max_offset ${max}: keepalived 2.2.7 ignores both, left out`);
  }
}
