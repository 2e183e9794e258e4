// keepalived's health checkers (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK) and the checker settings a virtual or
// real server passes down (delay_loop, retry, ...), into vipd's [[...real_servers.KIND]] tables. The kinds vipd
// does not run yet are reported (lossy: a checker decides which servers get traffic).

import type { ConvertContext } from "./convert-context.ts";
import type { TomlDocument, TomlSection, TomlValue } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { addressArg, boolArg, decimalArg, firstArg, intArg } from "./values.ts";
import { type Handler, walkBlock } from "./walk-block.ts";
import type { Unsupported } from "./unsupported-keywords.ts";

const MAX_SECONDS = 86400;
const u = (did: string, lossy: boolean): Unsupported => ({ did, lossy });

/** Checker kinds vipd does not run yet (reported as lossy by the real server's mapping). */
export const CHECKER_KINDS_NOT_YET = ["SMTP_CHECK", "DNS_CHECK", "UDP_CHECK", "PING_CHECK", "FILE_CHECK", "BFD_CHECK"];

/** Checker settings not built yet, wherever they appear. */
const SETTINGS_NOT_YET: Record<string, Unsupported> = {
  bind_if: u("bound the check's connection to an interface", true),
  fwmark: u("marked the check's packets", true),
  log_all_failures: u("logged every failed check, not only state changes", false),
  fast_recovery: u("retried a failed HTTP check at once", true),
  regex_options: u("set PCRE2 regex options", true),
  regex_min_offset: u("limited where the regex may match", true),
  regex_max_offset: u("limited where the regex may match", true),
  regex_stack: u("gave the regex its own stack", false),
};

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
    const handlers: Record<string, Handler> = { ...commonHandlers(ctx, section), ...kindHandlers(ctx, doc, section, kind) };
    walkBlock(ctx, section, node.children ?? [], handlers, SETTINGS_NOT_YET);
    if ((kind === "HTTP_GET" || kind === "SSL_GET") && !(node.children ?? []).some((c) => c.keyword === "url")) {
      ctx.warn(
        doc.dropTable(section),
        node,
        `${kind} without url: keepalived 2.2.7 ignores the checker ("has no urls specified"), left out`,
        true,
      );
    }
  };
  return { TCP_CHECK: block("TCP_CHECK"), HTTP_GET: block("HTTP_GET"), SSL_GET: block("SSL_GET"), MISC_CHECK: block("MISC_CHECK") };
}

function commonHandlers(ctx: ConvertContext, section: TomlSection): Record<string, Handler> {
  const set = (key: string, value: TomlValue | null) => {
    if (value !== null) section.set(key, value);
  };
  const timing = checkerSettingHandlers(ctx, section);
  delete timing.virtualhost;
  return {
    ...timing,
    connect_ip: (n) => set("connect_ip", addressArg(ctx, n)),
    connect_port: (n) => set("connect_port", intArg(ctx, n, 1, 65535)),
    bindto: (n) => set("bindto", addressArg(ctx, n)),
    bind_port: (n) => set("bind_port", intArg(ctx, n, 1, 65535)),
  };
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
  if (kind === "TCP_CHECK") return {};
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
    },
    SETTINGS_NOT_YET,
  );
  if (!section.has("path"))
    ctx.warn(doc.dropTable(section), node, 'url without path: keepalived 2.2.7 ignores it ("url has no path"), left out', true);
}
