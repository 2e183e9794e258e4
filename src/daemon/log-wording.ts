// The daemon's event lines, worded as keepalived 2.2.7 words them where people grep for them ("(VI_1) Entering
// MASTER STATE", "Sending gratuitous ARP on eth0 for 192.0.2.10", "VRRP_Script(chk) succeeded"), with what
// keepalived leaves out (the reason, the previous state, the exit status and the duration) added after.

import type { AddressSpec } from "../adapters/address-manager.ts";
import type { RunResult } from "../process/run-command.ts";
import { formatIp } from "../vrrp/ip-address.ts";

/** "(VI_1) Entering MASTER STATE from BACKUP (no advert within Master_Down_Interval), priority 100". */
export function stateLine(name: string, from: string, to: string, reason: string, priority: number): string {
  return `(${name}) Entering ${to} STATE from ${from} (${reason}), priority ${priority}`;
}

/** "(VI_1) Setting VIPs: 192.0.2.10/24, 192.0.2.11/32" (keepalived's "setting VIPs." with the addresses). */
export function vipsLine(name: string, adding: boolean, addresses: readonly AddressSpec[]): string {
  const list = addresses.map((a) => `${formatIp(a.address)}/${a.prefixlen}`).join(", ");
  return `(${name}) ${adding ? "Setting" : "Removing"} VIPs: ${list}`;
}

/**
 * One line per burst (keepalived writes one per frame): "(VI_1) Sending gratuitous ARP on eth0 for 192.0.2.10;
 * 5 frames sent". IPv6 addresses get unsolicited neighbour advertisements.
 */
export function announceLine(name: string, ifname: string, addresses: readonly Uint8Array[], framesSent: number): string {
  const v4 = addresses.filter((a) => a.length === 4).map((a) => formatIp(a));
  const v6 = addresses.filter((a) => a.length === 16).map((a) => formatIp(a));
  const parts: string[] = [];
  if (v4.length > 0) parts.push(`gratuitous ARP on ${ifname} for ${v4.join(", ")}`);
  if (v6.length > 0) parts.push(`unsolicited neighbour advertisements on ${ifname} for ${v6.join(", ")}`);
  return `(${name}) Sending ${parts.join(" and ")}; ${framesSent} frames sent`;
}

/** How a script run ended: "exited with status 0 after 12 ms", "timed out after 2000 ms", "could not start (ENOENT)". */
export function scriptOutcome(result: RunResult): string {
  const after = `after ${Math.round(result.durationMs)} ms`;
  if (result.spawnError) return `could not start (${result.spawnError})`;
  if (result.timedOut) return `timed out ${after}`;
  if (result.signal) return `was killed by ${result.signal} ${after}`;
  return `exited with status ${result.exitCode} ${after}`;
}

/** keepalived's "VRRP_Script(chk) succeeded" / "VRRP_Script(chk) failed", with how the deciding run ended. */
export function scriptStateLine(name: string, up: boolean, last: RunResult): string {
  return `VRRP_Script(${name}) ${up ? "succeeded" : "failed"}: now ${up ? "up" : "down"} (last run ${scriptOutcome(last)})`;
}
