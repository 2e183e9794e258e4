// Inputs of the core. The driver owns clocks and sockets and turns what happens into these events.

import type { IpFamily } from "./ip-address.ts";
import type { RejectReason } from "./reject-reason.ts";

export interface StartupEvent {
  type: "Startup";
}

/** `handover`: keep the VIPs until the new master's first advert (bounded), instead of releasing them at once. */
export interface ShutdownEvent {
  type: "Shutdown";
  handover: boolean;
}

export interface AdvertReceivedEvent {
  type: "AdvertReceived";
  interface: string;
  family: IpFamily;
  /** The VRRP message is `packet[offset, offset+length)`. */
  packet: Uint8Array;
  offset: number;
  length: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** IPv4 TTL or IPv6 hop limit as received. */
  ttl: number;
  /** Already known to be dropped, and why (the transport saw IPv6 fragments or extension headers it refuses). */
  drop?: RejectReason | null;
  /**
   * IPPROTO_AH when the datagram is IPsec AH (keepalived's `auth_type AH`): `packet[offset, offset+length)` is then
   * the AH header and the advert after it, and the IPv4 header starts at `ipOffset`. Absent: plain VRRP.
   */
  ipProtocol?: number;
  ipOffset?: number;
}

/** Some deadline returned by nextDeadline() has passed. */
export interface TimerFiredEvent {
  type: "TimerFired";
}

/** A tracker (script, interface, file) changed; `value` is for value trackers (track_file). */
export interface TrackerChangedEvent {
  type: "TrackerChanged";
  tracker: string;
  up: boolean;
  value: number;
}

/**
 * The driver could not carry out what an instance needs (an internal error): the instance goes to FAULT with
 * the reason, so it never holds a role it cannot keep. `reason: null` clears it (a reload that rebuilt it).
 */
export interface InstanceFailedEvent {
  type: "InstanceFailed";
  instance: string;
  reason: string | null;
}

/** `vipd handover`: a planned switchover of one instance (null: all), or its undoing. */
export interface HandoverEvent {
  type: "Handover";
  instance: string | null;
  undo: boolean;
}

export type VrrpEvent =
  | StartupEvent
  | ShutdownEvent
  | AdvertReceivedEvent
  | TimerFiredEvent
  | TrackerChangedEvent
  | InstanceFailedEvent
  | HandoverEvent;
