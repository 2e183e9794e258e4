// What one health check of a real server is, fully resolved (defaults and inheritance from the real and virtual
// server already applied by the config loader): plain data, so identical checks can be recognised and run once.

import type { RunAs } from "../config/schema.ts";
import type { IpFamily } from "../vrrp/ip-address.ts";

export const CHECK_KINDS = [
  "TCP_CHECK",
  "HTTP_GET",
  "SSL_GET",
  "MISC_CHECK",
  "SMTP_CHECK",
  "DNS_CHECK",
  "UDP_CHECK",
  "PING_CHECK",
  "FILE_CHECK",
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** When to check and how many failures make a server down, as keepalived 2.2.7 times its checkers. */
export interface CheckTiming {
  delayLoopMs: number;
  /** Extra attempts after a failure before the checker calls the server down. */
  retry: number;
  delayBeforeRetryMs: number;
  /** The first check starts after a random delay up to this (spreads checks out). */
  warmupMs: number;
  /** A server starts down and must pass its first check (alpha mode). */
  alpha: boolean;
}

/** Where a connecting check goes: the real server unless connect_ip / connect_port say otherwise. */
export interface ConnectTarget {
  address: string;
  family: IpFamily;
  port: number;
  /** bindto / bind_port: the source of the connection. */
  bindAddress: string | null;
  bindPort: number | null;
  /** bind_if: the interface the check's packets leave by (SO_BINDTODEVICE); null: the route decides. */
  bindInterface: string | null;
  /** fwmark: the firewall mark on the check's packets (SO_MARK), for policy routing; null: none. */
  fwmark: number | null;
  /** The deadline for the whole check: connecting, sending and reading the reply (connect_timeout). */
  timeoutMs: number;
}

export const DNS_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 } as const;
export type DnsType = keyof typeof DNS_TYPES;

/** One url block of HTTP_GET / SSL_GET: every url must pass. */
export interface HttpUrl {
  path: string;
  /** Inclusive ranges; keepalived's default is 200-299. */
  statusCodes: [number, number][];
  /** MD5 of the body, lower-case hex, as genhash prints it. */
  digest: string | null;
  virtualhost: string | null;
  regex: string | null;
  /** The check passes when the regex does not match. */
  regexNoMatch: boolean;
  /**
   * keepalived's regex_options as JavaScript flags, and where a match may start (bytes of the body, inclusive;
   * maxOffset null: anywhere; firstLine: on the body's first line). See src/config/regex-options.ts.
   */
  regexOptions: { flags: string; minOffset: number; maxOffset: number | null; firstLine: boolean };
}

/** A url without regex options: no flag, anywhere in the body. */
export const NO_REGEX_OPTIONS: HttpUrl["regexOptions"] = { flags: "", minOffset: 0, maxOffset: null, firstLine: false };

/** The body's first bytes an HTTP check's regex looks at. */
export const REGEX_WINDOW = 1024 * 1024;

export type CheckDefinition =
  | { kind: "TCP_CHECK"; timing: CheckTiming; connect: ConnectTarget }
  | {
      kind: "HTTP_GET" | "SSL_GET";
      timing: CheckTiming;
      connect: ConnectTarget;
      urls: HttpUrl[];
      /** "1.0" (keepalived's default), "1.1" and "1.0C" send Connection: close as keepalived does for the last two. */
      httpProtocol: "1.0" | "1.1" | "1.0C";
      /** The Host header; null: the address and port connected to. */
      virtualhost: string | null;
      /** SSL_GET: send the virtual host (or the address) as TLS server name. */
      enableSni: boolean;
      /** A down server's confirming pass (see check-state.ts) runs at once instead of delay_loop later. */
      fastRecovery: boolean;
    }
  | {
      kind: "SMTP_CHECK";
      timing: CheckTiming;
      connect: ConnectTarget;
      /** Sent in HELO; keepalived's default is smtpchecker.keepalived.org. */
      heloName: string;
    }
  | {
      kind: "DNS_CHECK";
      timing: CheckTiming;
      /** Over UDP; the port is the real server's (53 when it has none). */
      connect: ConnectTarget;
      /** A, NS, CNAME, SOA (keepalived's default), MX, TXT, AAAA, RRSIG, DNSKEY. */
      type: DnsType;
      /** The name asked for; "" asks for the root. */
      name: string;
    }
  | {
      kind: "UDP_CHECK";
      timing: CheckTiming;
      connect: ConnectTarget;
      /** The datagram sent (hex in the config); empty: an empty datagram. */
      payload: string;
      /** Down unless a reply comes; otherwise down only on an ICMP error (port unreachable). */
      requireReply: boolean;
      /** Hex the reply must start with (on its first min(lengths) bytes, as keepalived compares); null: any. */
      replyData: string | null;
      minReplyLength: number;
      maxReplyLength: number;
    }
  | {
      kind: "PING_CHECK";
      timing: CheckTiming;
      /** The address echoed (connect_ip, else the real server's); the port is not used. */
      connect: ConnectTarget;
    }
  | {
      kind: "MISC_CHECK";
      timing: CheckTiming;
      /** misc_path as written, and its words (run without a shell). */
      command: string;
      argv: string[];
      /** The user it runs as; null: global.script_user, then root (as the vrrp scripts). */
      runAs: RunAs | null;
      /** misc_timeout: the script is killed (with its process group) after this; keepalived's default is delay_loop. */
      timeoutMs: number;
      /** misc_dynamic: exit 0 up, 1 down, 2..255 up with weight code - 2. */
      dynamic: boolean;
    }
  | FileCheck;

/**
 * keepalived's FILE_CHECK: a [track_files.NAME] file read whenever it changes (no probe, no timing). With weight 0
 * the number says up (0) or down (anything else; reverse swaps them); otherwise number × weight (negated by
 * reverse) is added to the real server's weight, and at -2147483648 or below the server is down.
 */
export interface FileCheck {
  kind: "FILE_CHECK";
  /** The [track_files.NAME] it reads, and that table's file. */
  trackFile: string;
  path: string;
  weight: number;
  reverse: boolean;
}

/** The checks the checker process probes on a schedule; FILE_CHECK is read by the daemon itself (src/lvs/file-checks.ts). */
export type ProbedCheck = Exclude<CheckDefinition, FileCheck>;

/**
 * The identity of a check: two real servers (of the same or different virtual servers) with the same check of
 * the same target share one probe. Timing is part of it: the probe's retries and schedule are one state.
 */
export function probeKey(check: CheckDefinition): string {
  return JSON.stringify(check, Object.keys(flatKeys(check)).sort());
}

/** Every property name used anywhere in the definition (JSON.stringify's allow-list keeps nested keys too). */
function flatKeys(value: unknown, into: Record<string, true> = {}): Record<string, true> {
  if (Array.isArray(value)) for (const v of value) flatKeys(v, into);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      into[k] = true;
      flatKeys(v, into);
    }
  }
  return into;
}

export type TcpCheck = Extract<CheckDefinition, { kind: "TCP_CHECK" }>;
export type HttpCheck = Extract<CheckDefinition, { kind: "HTTP_GET" | "SSL_GET" }>;
export type MiscCheck = Extract<CheckDefinition, { kind: "MISC_CHECK" }>;
export type SmtpCheck = Extract<CheckDefinition, { kind: "SMTP_CHECK" }>;
export type DnsCheck = Extract<CheckDefinition, { kind: "DNS_CHECK" }>;
export type UdpCheck = Extract<CheckDefinition, { kind: "UDP_CHECK" }>;
export type PingCheck = Extract<CheckDefinition, { kind: "PING_CHECK" }>;
