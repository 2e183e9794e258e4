// The e-mail keepalived sends on a state change, in its conventions: the subject names the router_id, the kind
// (VRRP Instance / VRRP Group), the name and what happened; a one-line body; plain headers, no MIME.

import type { NotifyKind, NotifyState } from "./notify-plan.ts";

export interface AlertText {
  subject: string;
  body: string;
}

const INSTANCE_TEXT: Record<NotifyState, { what: string; body: string }> = {
  MASTER: { what: "Entering MASTER state", body: "=> VRRP Instance is now owning VRRP VIPs <=" },
  BACKUP: { what: "Entering BACKUP state", body: "=> VRRP Instance is no longer owning VRRP VIPs <=" },
  FAULT: { what: "Entering FAULT state", body: "=> VRRP Instance is no longer owning VRRP VIPs <=" },
  STOP: { what: "Stopping", body: "=> VRRP Instance stopping <=" },
};

const GROUP_TEXT: Record<NotifyState, { what: string; body: string }> = {
  MASTER: { what: "Entering MASTER state", body: "=> All VRRP group instances are now in MASTER state <=" },
  BACKUP: { what: "Entering BACKUP state", body: "=> All VRRP group instances are now in BACKUP state <=" },
  FAULT: { what: "Entering FAULT state", body: "=> All VRRP group instances are now in FAULT state <=" },
  STOP: { what: "Stopping", body: "=> All VRRP group instances are now stopping <=" },
};

/** `[lb-a] VRRP Instance VI_1 - Entering MASTER state` and its body. */
export function alertText(routerId: string, kind: NotifyKind, name: string, state: NotifyState): AlertText {
  const text = kind === "INSTANCE" ? INSTANCE_TEXT[state] : GROUP_TEXT[state];
  const noun = kind === "INSTANCE" ? "VRRP Instance" : "VRRP Group";
  return { subject: `[${routerId}] ${noun} ${name} - ${text.what}`, body: text.body };
}

/** keepalived's body per kind of check, for a check that passed again or failed. */
const CHECK_BODY: Record<string, [up: string, down: string]> = {
  TCP_CHECK: ["=> TCP CHECK succeed on service <=", "=> TCP CHECK failed on service <="],
  HTTP_GET: ["=> CHECK succeed on service <=", "=> CHECK failed on service : HTTP request failed <="],
  SSL_GET: ["=> CHECK succeed on service <=", "=> CHECK failed on service : HTTP request failed <="],
  SMTP_CHECK: ["=> CHECK succeed on service <=", "=> CHECK failed on service <="],
  DNS_CHECK: ["=> DNS_CHECK: succeed on service <=", "=> DNS_CHECK: failed on service <="],
  UDP_CHECK: ["=> UDP CHECK succeed on service <=", "=> UDP CHECK failed on service <="],
  PING_CHECK: ["=> ICMP CHECK succeed on service <=", "=> ICMP CHECK failed on service <="],
  MISC_CHECK: ["=> MISC CHECK succeeded on service <=", "=> MISC CHECK failed on service <="],
};

/**
 * `[lb-a] Realserver [198.51.100.21]:tcp:80 of virtual server [203.0.113.10]:tcp:80 - DOWN`: a health check moved
 * a real server (or changed without moving it; the subject gives the real server's state).
 */
export function checkerAlertText(
  routerId: string,
  realServer: string,
  virtualServer: string,
  serverUp: boolean,
  checkKind: string,
  checkUp: boolean,
): AlertText {
  const body = CHECK_BODY[checkKind] ?? ["=> CHECK succeed on service <=", "=> CHECK failed on service <="];
  return {
    subject: `[${routerId}] Realserver ${realServer} of virtual server ${virtualServer} - ${serverUp ? "UP" : "DOWN"}`,
    body: checkUp ? body[0] : body[1],
  };
}

/** `[lb-a] Virtualserver [203.0.113.10]:tcp:80 - UP`: a virtual server's quorum was gained (UP) or lost (DOWN). */
export function virtualServerAlertText(routerId: string, virtualServer: string, up: boolean, body: string): AlertText {
  return { subject: `[${routerId}] Virtualserver ${virtualServer} - ${up ? "UP" : "DOWN"}`, body };
}

/** A live real server a reload removed, or the stop of an omega virtual server shut down. */
export function realServerRemovedText(routerId: string, realServer: string, virtualServer: string, stopping: boolean): AlertText {
  return {
    subject: `[${routerId}] Realserver ${realServer} of virtual server ${virtualServer} - DOWN`,
    body: stopping ? "=> Shutting down <=" : "=> Removing <=",
  };
}

export interface MailHeaders {
  date: Date;
  from: string;
  to: readonly string[];
}

/**
 * The whole message with CRLF line ends (the SMTP client adds the dot-stuffing and the final dot), byte for byte
 * keepalived's but for X-Mailer (checked against keepalived in test/netns/mail-keepalived.root.test.ts). Header
 * values lose any control character: a name or router_id must not be able to add a header.
 */
export function formatMessage(headers: MailHeaders, alert: AlertText): string {
  return (
    `Date: ${rfc5322Date(headers.date)}\r\n` +
    `From: ${oneLine(headers.from)}\r\n` +
    `Subject: ${oneLine(alert.subject)}\r\n` +
    "X-Mailer: vipd\r\n" +
    `To: ${headers.to.map(oneLine).join(", ")}\r\n` +
    "\r\n" +
    // keepalived ends the body with an empty line before the final dot; so does vipd, byte for byte.
    `${oneLine(alert.body)}\r\n\r\n`
  );
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Thu, 03 Dec 2026 10:15:02 +0100`: local time with its offset, as keepalived writes it. */
export function rfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const offsetMin = -date.getTimezoneOffset();
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const zone = `${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
  return (
    `${DAYS[date.getDay()]}, ${two(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zone}`
  );
}

function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return text.replace(/[\x00-\x1f\x7f]+/g, " ");
}
