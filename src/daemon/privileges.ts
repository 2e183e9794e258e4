// Least privilege: the capabilities `vipd run` keeps once started, and why. Everything else is dropped from every
// set (effective, permitted, inheritable, bounding; ambient emptied), so it cannot come back, not even through a
// setuid-root program a script runs. A new need is added here, with its reason.
//
// Scripts run as root (no `user`) get exactly this set: for a root process execve recomputes the permitted set
// from the bounding set, and the inheritable and ambient sets are empty. keepalived gives them full root; here a
// script that needs more (mounting, writing files root does not own...) asks the service manager to run it, e.g.
// `systemd-run --wait --pipe CMD`. Scripts run as another user start with no capability (a uid change from 0
// clears them). NO_NEW_PRIVS is not set: it would stop setuid programs (`sudo` in a notify script) from working.
//
// Not kept: CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_CHOWN. vipd writes only root's own files (/run/vipd, the
// track files it creates); a track file or notify FIFO owned by another user must grant root's access through its
// mode (a refused FIFO is logged as EACCES). CAP_SYS_ADMIN: nothing needs it. CAP_KILL is also what a check
// script's `killall -0 haproxy` (a process of another user) needs.
import { type CapabilityDrop, type CapabilityName, capabilityMaskText, type KeepOnlyCapabilities } from "../adapters/capabilities.ts";
import type { Log } from "./log.ts";

export const DAEMON_CAPABILITIES: readonly { name: CapabilityName; why: string }[] = [
  { name: "CAP_NET_ADMIN", why: "VIPs, routes and rules over rtnetlink; IPVS over generic netlink; multicast membership" },
  { name: "CAP_NET_RAW", why: "raw VRRP and AF_PACKET sockets (IPv6 adverts, gratuitous ARP / NA), opened again by reloads" },
  { name: "CAP_SETUID", why: "scripts run as their configured user" },
  { name: "CAP_SETGID", why: "scripts run as their configured group (setgid, setgroups)" },
  { name: "CAP_KILL", why: "a timed-out script's process group owned by another user is killed" },
];

export const DAEMON_CAPABILITY_NAMES: readonly CapabilityName[] = DAEMON_CAPABILITIES.map((c) => c.name);

/**
 * Narrows the calling thread to DAEMON_CAPABILITIES and logs the outcome. A refusal is logged, not fatal: the
 * daemon's promise is failover, and it kept it with full root before.
 */
export function dropPrivileges(keepOnly: KeepOnlyCapabilities, log: Log): CapabilityDrop | null {
  let drop: CapabilityDrop;
  try {
    drop = keepOnly(DAEMON_CAPABILITY_NAMES);
  } catch (error) {
    log.error(`could not drop capabilities, running with all it was given: ${(error as Error).message}`);
    return null;
  }
  log.info(
    `capabilities: kept ${DAEMON_CAPABILITY_NAMES.join(" ")} (effective ${capabilityMaskText(drop.after.effective)}, ` +
      `bounding ${capabilityMaskText(drop.after.bounding)})`,
  );
  if (drop.missing.length > 0) log.warn(`started without ${drop.missing.join(" ")}: what needs them will fail`);
  if (!drop.boundingNarrowed) {
    log.warn("the bounding set could not be narrowed (no CAP_SETPCAP): programs run by scripts may regain capabilities");
  }
  if (drop.threadsHoldingMore.length > 0) {
    log.warn(`threads ${drop.threadsHoldingMore.join(", ")} still hold more capabilities (started before the drop)`);
  }
  return drop;
}
