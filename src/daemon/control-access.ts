// Who may do what on the control socket. Reading (status) is for whoever can connect: the socket's mode (0600)
// decides that. Changing state (handover, its undo) needs root or the user the daemon runs as, checked against the
// credentials the kernel recorded for the connection (SO_PEERCRED), so a socket whose mode someone loosened, or a
// directory that lets others in, still cannot let another user move a VIP.

import type { PeerCredentials } from "../adapters/peer-credentials.ts";

export type ControlCommand = "status" | "handover" | "handover --undo";

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

export function changesState(command: ControlCommand): boolean {
  return command !== "status";
}

/** Who may change state, in words: "root" or "root or uid 998 (the daemon's user)". */
export function stateChangers(daemonUid: number): string {
  return daemonUid === 0 ? "root" : `root or uid ${daemonUid} (the daemon's user)`;
}

/**
 * Whether the peer may run `command`. `peer` is null when its credentials could not be read: a state-changing
 * command is then refused, never let through.
 */
export function decideAccess(command: ControlCommand, peer: PeerCredentials | null, daemonUid: number): AccessDecision {
  if (!changesState(command)) return { allowed: true };
  if (peer === null)
    return { allowed: false, reason: `the daemon could not tell who sent it; only ${stateChangers(daemonUid)} may change state` };
  if (peer.uid === 0 || peer.uid === daemonUid) return { allowed: true };
  return { allowed: false, reason: `uid ${peer.uid} (pid ${peer.pid}) may not change state; only ${stateChangers(daemonUid)} may` };
}

/** The daemon's log line for a refused command: who (uid and pid) asked for what. */
export function refusalLine(command: ControlCommand, peer: PeerCredentials | null, reason: string): string {
  const who = peer === null ? "an unknown peer" : `uid ${peer.uid} pid ${peer.pid}`;
  return `control socket: refused '${command}' from ${who}: ${reason}`;
}
