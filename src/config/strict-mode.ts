// keepalived's strict mode (global vrrp_strict, instance strict_mode) and its accept mode, with the effects
// keepalived 2.2.7 gives them when it completes an instance: what strict mode refuses is an error, what it
// overrides is a warning naming the key, as keepalived logs a config error and carries on.

import type { InstanceSection } from "./schema.ts";
import type { TableReader } from "./table-reader.ts";

const OWNER = 255;

/**
 * keepalived derives the initial state from the priority in strict mode: only the address owner starts as MASTER.
 * Runs before the state is used (nopreempt and preempt_delay depend on it).
 */
export function strictInitialState(r: TableReader, state: "MASTER" | "BACKUP", priority: number): "MASTER" | "BACKUP" {
  const owner = priority === OWNER;
  const derived = owner ? "MASTER" : "BACKUP";
  if (!r.has("state") || (state === "MASTER") === owner) return derived;
  r.problems.warn(r.at("state"), `strict mode: state MASTER must match being the address owner (priority 255); using "${derived}"`);
  return derived;
}

/** The rest of strict mode, on a read instance: refusals as errors, overrides as warnings. */
export function applyStrictMode(r: TableReader, instance: InstanceSection): void {
  if (instance.virtualIpaddress.length === 0) {
    r.problems.error(r.at("virtual_ipaddress"), "strict mode requires at least one virtual address");
  }
  if (instance.unicastPeers.length > 0) {
    r.problems.error(r.at("unicast_peer"), "strict mode does not allow unicast peers (adverts go to the multicast group)");
  }
  if (r.has("authentication")) {
    r.problems.warn(r.at("authentication"), "ignored: strict mode does not support authentication (keepalived ignores it too)");
  }
  const first = instance.virtualIpaddress[0];
  if (instance.family === 6 && first !== undefined && !(first.bytes[0] === 0xfe && (first.bytes[1]! & 0xc0) === 0x80)) {
    r.problems.warn(r.at("virtual_ipaddress").concat(0), "strict mode: the first IPv6 virtual address must be link-local");
  }
  if (instance.preemptDelayMs > 0 && instance.state !== "MASTER") {
    r.problems.warn(r.at("preempt_delay"), "strict mode does not allow preempt_delay; using 0");
    instance.preemptDelayMs = 0;
  }
  // No gratuitous ARPs in answer to a lower-priority master: strict mode sends no advert to it either.
  if (r.has("garp_lower_prio_repeat")) r.problems.warn(r.at("garp_lower_prio_repeat"), "strict mode sends no such burst; ignored");
  if (r.has("garp_lower_prio_delay")) r.problems.warn(r.at("garp_lower_prio_delay"), "strict mode sends no such burst; ignored");
  instance.garp = { ...instance.garp, lowerPrioRepeat: 0, lowerPrioDelayMs: 0 };
}

/**
 * Accept mode: whether a MASTER that is not the address owner takes packets addressed to its VIPs. keepalived's
 * default is on, off in strict mode below priority 255; the owner always accepts. VRRPv2 (RFC 3768) has no accept
 * mode, so strict mode turns a written `accept = true` off for v2 below 255.
 */
export function readAcceptMode(r: TableReader, strict: boolean, priority: number, version: 2 | 3): boolean {
  const written = r.has("accept") ? r.bool("accept", true) : null;
  if (priority === OWNER) {
    if (written === false) r.problems.warn(r.at("accept"), "has no effect: the address owner (priority 255) always accepts");
    return true;
  }
  if (written === null) return !strict;
  if (written && strict && version === 2) {
    r.problems.warn(r.at("accept"), "strict mode: accept mode does not comply with VRRPv2 (RFC 3768); using false");
    return false;
  }
  return written;
}
