// [global]: settings shared by all instances, with keepalived's defaults (keepalived.conf(5), global_defs).

import { VRRP_MCAST_GROUP_V4, VRRP_MCAST_GROUP_V6 } from "../vrrp/constants.ts";
import { DEFAULT_GARP } from "../vrrp/instance-config.ts";
import { parseAddress } from "./address.ts";
import { readCommand, readRunAs } from "./commands.ts";
import type { Problems } from "./config-error.ts";
import { DEFAULT_ELECTION, ELECTION_KEYS, readElection } from "./election-section.ts";
import { readGarpGroups } from "./garp-groups.ts";
import { readLinkDelays } from "./link-delays.ts";
import type { GarpConfig, GlobalConfig, MailConfig } from "./schema.ts";
import { TableReader, type TomlTable } from "./table-reader.ts";

export const GARP_KEYS = [
  "garp_master_delay",
  "garp_master_repeat",
  "garp_lower_prio_delay",
  "garp_lower_prio_repeat",
  "garp_master_refresh",
  "garp_master_refresh_repeat",
  "garp_extra_if",
] as const;

export const GLOBAL_KEYS = [
  "router_id",
  "script_user",
  "enable_script_security",
  "vrrp_version",
  "vrrp_strict",
  "vrrp_mcast_group4",
  "vrrp_mcast_group6",
  ...GARP_KEYS,
  ...ELECTION_KEYS,
  "check_unicast_src",
  "vrrp_startup_delay",
  "interface_up_down_delays",
  "garp_group",
  "track_process_interval",
  "garp_interval",
  "gna_interval",
  "notification_email",
  "notification_email_from",
  "smtp_server",
  "smtp_port",
  "smtp_helo_name",
  "smtp_connect_timeout",
  "smtp_alert",
  "smtp_alert_checker",
  "checker_log_all_failures",
  "no_email_faults",
  "dynamic_interfaces",
  "shutdown_handover",
  "lvs_on_stop",
  "lvs_timeouts",
  "startup_script",
  "startup_script_timeout",
  "shutdown_script",
  "shutdown_script_timeout",
];

/** Longest delay or refresh accepted, one day (keepalived's limit for garp_extra_if). */
export const MAX_GARP_SECONDS = 86400;
export const MAX_GARP_REPEAT = 1000;
/** An hour: a longer wait after boot is a mistake, not a setting. */
export const MAX_STARTUP_DELAY_S = 3600;

export function readGlobal(problems: Problems, table: TomlTable): GlobalConfig {
  const r = new TableReader(problems, ["global"], table, GLOBAL_KEYS);
  return {
    routerId: r.optString("router_id"),
    scriptUser: readRunAs(r, "script_user"),
    enableScriptSecurity: r.bool("enable_script_security", false),
    vrrpVersion: r.int("vrrp_version", 2, 3, 2, "2 or 3") as 2 | 3,
    vrrpStrict: r.bool("vrrp_strict", false),
    vrrpMcastGroup4: multicastGroup(r, "vrrp_mcast_group4", 4, VRRP_MCAST_GROUP_V4),
    vrrpMcastGroup6: multicastGroup(r, "vrrp_mcast_group6", 6, VRRP_MCAST_GROUP_V6),
    garp: readGarp(
      r,
      { ...DEFAULT_GARP, lowerPrioDelayMs: DEFAULT_GARP.masterDelayMs, extraIfRefreshMs: DEFAULT_GARP.extraInterfacesRefreshMs },
      { delay: true, repeat: true },
    ),
    election: readElection(r, DEFAULT_ELECTION),
    checkUnicastSrc: r.bool("check_unicast_src", true),
    interfaceUpDownDelays: readLinkDelays(r),
    garpGroups: readGarpGroups(r),
    trackProcessIntervalMs: r.seconds("track_process_interval", 0.1, 60, 1000),
    startupDelayMs: r.seconds("vrrp_startup_delay", 0, MAX_STARTUP_DELAY_S, 0),
    garpIntervalMs: r.seconds("garp_interval", 0, 10, 0),
    gnaIntervalMs: r.seconds("gna_interval", 0, 10, 0),
    ...readMail(r),
    dynamicInterfaces: r.bool("dynamic_interfaces", false),
    shutdownHandover: r.bool("shutdown_handover", true),
    lvsOnStop: r.oneOf("lvs_on_stop", ["remove", "keep"] as const, "remove"),
    lvsTimeouts: readLvsTimeouts(r),
    checkerLogAllFailures: r.bool("checker_log_all_failures", false),
    ...readLifecycleScripts(r),
  };
}

/** keepalived's limit for startup_script_timeout / shutdown_script_timeout, in whole seconds; 10 by default. */
export const MAX_LIFECYCLE_TIMEOUT_S = 1000;
const DEFAULT_LIFECYCLE_TIMEOUT_MS = 10_000;

function readLifecycleScripts(r: TableReader) {
  const read = (kind: "startup" | "shutdown") => {
    const script = readCommand(r, `${kind}_script`);
    const timeoutKey = `${kind}_script_timeout`;
    const timeoutMs = r.int(timeoutKey, 1, MAX_LIFECYCLE_TIMEOUT_S, DEFAULT_LIFECYCLE_TIMEOUT_MS / 1000) * 1000;
    if (script === null && timeoutKey in r.table) r.problems.warn(r.at(timeoutKey), `does nothing without ${kind}_script`);
    return { script, timeoutMs };
  };
  const startup = read("startup");
  const shutdown = read("shutdown");
  return {
    startupScript: startup.script,
    startupScriptTimeoutMs: startup.timeoutMs,
    shutdownScript: shutdown.script,
    shutdownScriptTimeoutMs: shutdown.timeoutMs,
  };
}

/** The e-mail alert settings (keepalived's global_defs notification_email, smtp_*). */
/** keepalived's LVS_MAX_TIMEOUT: 31 days. */
const LVS_MAX_TIMEOUT_S = 86400 * 31;

/** `lvs_timeouts = { tcp = 900, tcpfin = 120, udp = 300 }`; a timeout left out (or 0) stays as the kernel has it. */
function readLvsTimeouts(r: TableReader): GlobalConfig["lvsTimeouts"] {
  const t = r.optTable("lvs_timeouts", "a table {tcp, tcpfin, udp}");
  if (t === null) return { tcpS: 0, tcpFinS: 0, udpS: 0 };
  const tr = new TableReader(r.problems, r.at("lvs_timeouts"), t, ["tcp", "tcpfin", "udp"]);
  return {
    tcpS: tr.int("tcp", 0, LVS_MAX_TIMEOUT_S, 0),
    tcpFinS: tr.int("tcpfin", 0, LVS_MAX_TIMEOUT_S, 0),
    udpS: tr.int("udp", 0, LVS_MAX_TIMEOUT_S, 0),
  };
}

function readMail(r: TableReader): MailConfig {
  const notificationEmail: string[] = [];
  for (const { value, path } of r.stringList("notification_email", "e-mail addresses")) {
    if (EMAIL.test(value)) notificationEmail.push(value);
    else r.problems.error(path, `must be an e-mail address (local@domain or a local user), got ${JSON.stringify(value)}`);
  }
  return {
    notificationEmail,
    notificationEmailFrom: emailAddress(r, "notification_email_from"),
    smtpServer: hostName(r, "smtp_server", "a host name or address"),
    smtpPort: r.int("smtp_port", 1, 65535, SMTP_PORT),
    smtpHeloName: hostName(r, "smtp_helo_name", "a host name"),
    smtpConnectTimeoutMs: r.seconds("smtp_connect_timeout", 1, 3600, 30_000),
    smtpAlert: r.bool("smtp_alert", false),
    // keepalived mails health-check changes unless told not to (its backward-compatible default).
    smtpAlertChecker: r.bool("smtp_alert_checker", r.bool("smtp_alert", true)),
    // A virtual server's quorum mails: the same keys, but off when neither is written (keepalived's default).
    smtpAlertVirtualServers: r.bool("smtp_alert_checker", r.bool("smtp_alert", false)),
    noEmailFaults: r.bool("no_email_faults", false),
  };
}

// What goes into SMTP commands and headers: no spaces, angle brackets or control characters (a line break
// would end the command early). A bare local part ("noc") is allowed: keepalived's own samples mail a local user.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const EMAIL = /^[^\s<>@\x00-\x1f\x7f]+(@[^\s<>@\x00-\x1f\x7f]+)?$/;
const HOST = /^[A-Za-z0-9_.:-]{1,253}$/;
const SMTP_PORT = 25;

function emailAddress(r: TableReader, key: string): string | null {
  const value = r.optString(key, "an e-mail address");
  if (value === null || EMAIL.test(value)) return value;
  r.problems.error(r.at(key), `must be an e-mail address (local@domain or a local user), got ${JSON.stringify(value)}`);
  return null;
}

function hostName(r: TableReader, key: string, what: string): string | null {
  const value = r.optString(key, what);
  if (value === null || HOST.test(value)) return value;
  r.problems.error(r.at(key), `must be ${what}, got ${JSON.stringify(value)}`);
  return null;
}

/** Which lower-priority settings were not written in [global], so follow the master ones of the same table. */
export interface GarpFollow {
  delay: boolean;
  repeat: boolean;
}

/** The garp_* keys of a table over `base` (keepalived: garp_lower_prio_* default to garp_master_*). */
export function readGarp(r: TableReader, base: GarpConfig, follow: GarpFollow): GarpConfig {
  const masterDelayMs = r.seconds("garp_master_delay", 0, MAX_GARP_SECONDS, base.masterDelayMs);
  const masterRepeat = r.int("garp_master_repeat", 1, MAX_GARP_REPEAT, base.masterRepeat);
  return {
    masterDelayMs,
    masterRepeat,
    lowerPrioDelayMs: r.seconds("garp_lower_prio_delay", 0, MAX_GARP_SECONDS, follow.delay ? masterDelayMs : base.lowerPrioDelayMs),
    lowerPrioRepeat: r.int("garp_lower_prio_repeat", 1, MAX_GARP_REPEAT, follow.repeat ? masterRepeat : base.lowerPrioRepeat),
    masterRefreshMs: r.seconds("garp_master_refresh", 0, MAX_GARP_SECONDS, base.masterRefreshMs),
    masterRefreshRepeat: r.int("garp_master_refresh_repeat", 1, MAX_GARP_REPEAT, base.masterRefreshRepeat),
    extraIfRefreshMs: r.seconds("garp_extra_if", 0, MAX_GARP_SECONDS, base.extraIfRefreshMs),
  };
}

function multicastGroup(r: TableReader, key: string, family: 4 | 6, fallback: string): string {
  const text = r.optString(key, "a multicast address");
  if (text === null) return fallback;
  const address = parseAddress(text);
  // IPv4 multicast is 224.0.0.0/4; VRRP's IPv6 group must be link-local scope (ffX2::).
  const b = address?.family === family ? address.bytes : null;
  const ok = b !== null && (family === 4 ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff && (b[1]! & 0x0f) === 2);
  if (!ok || !address) {
    const what = family === 4 ? "an IPv4 multicast address (224.0.0.0/4)" : "a link-local IPv6 multicast address (ffX2::/16)";
    r.problems.error(r.at(key), `must be ${what}, got "${text}"`);
    return fallback;
  }
  return address.text;
}
