// Addresses, routes, rules and link state at the operation level (`addAddress(ifindex, prefix)`, not sendto).
// The Linux implementation is src/adapters/linux/netlink-adapter.ts (rtnetlink); test/adapters/fake-netlink.ts
// keeps the same state in memory.
import type { IpFamily } from "../vrrp/ip-address.ts";

export interface Link {
  ifindex: number;
  name: string;
  /** Hardware address, e.g. 6 bytes for Ethernet; empty for links without one. */
  mac: Uint8Array;
  mtu: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Lower layer up (IFF_LOWER_UP): the cable / peer is there. */
  carrier: boolean;
}

export interface AddressSpec {
  ifindex: number;
  /** 4 or 16 bytes, network order. */
  address: Uint8Array;
  prefixlen: number;
  /** IPv4 label (keepalived's `label eth0:1`). */
  label?: string;
  /** RT_SCOPE_* (0 universe, 253 link, 254 host). */
  scope?: number;
  /** IPv4 broadcast address (`brd`). */
  broadcast?: Uint8Array;
  /** IPv6: skip duplicate address detection (VIPs must be usable at once). */
  nodad?: boolean;
}

export interface AddressEntry {
  family: IpFamily;
  ifindex: number;
  address: Uint8Array;
  prefixlen: number;
  scope: number;
  label: string;
  /** IFA_F_* flags (secondary, nodad, tentative, ...). */
  flags: number;
}

export interface RouteSpec {
  family: IpFamily;
  /** Destination network (network order) and prefix length; 0-length = default route. */
  dst: Uint8Array;
  prefixlen: number;
  via?: Uint8Array;
  ifindex?: number;
  /** Preferred source (`src`). */
  src?: Uint8Array;
  /** Routing table id; default main (254). */
  table?: number;
  /** RT_SCOPE_*; default universe, or link when there is neither gateway nor blackhole. */
  scope?: number;
  /** RTN_BLACKHOLE instead of a unicast route. */
  blackhole?: boolean;
  metric?: number;
}

export interface RuleSpec {
  family: IpFamily;
  from?: { address: Uint8Array; prefixlen: number };
  to?: { address: Uint8Array; prefixlen: number };
  table: number;
  priority?: number;
}

/** The host at one moment, as the daemon plans from it: its links and every address on them (both families). */
export interface HostSnapshot {
  links: readonly Link[];
  addresses: readonly AddressEntry[];
}

export interface AddressManager {
  links(): Link[];
  addresses(family: IpFamily, ifindex?: number): AddressEntry[];
  addAddress(spec: AddressSpec): void;
  deleteAddress(spec: AddressSpec): void;
  addRoute(route: RouteSpec): void;
  deleteRoute(route: RouteSpec): void;
  addRule(rule: RuleSpec): void;
  deleteRule(rule: RuleSpec): void;
  close(): void;
}

export type LinkEvent =
  | { type: "link"; link: Link; change: "new" | "changed" }
  | { type: "link-removed"; ifindex: number; name: string }
  | { type: "address-added"; address: AddressEntry }
  | { type: "address-removed"; address: AddressEntry }
  /** Events were lost (kernel ENOBUFS): here is the whole current state; forget anything assumed before. */
  | { type: "resync"; links: Link[]; addresses: AddressEntry[] };

export type LinkEventHandler = (event: LinkEvent) => void;

export interface LinkMonitor {
  /** Resyncs so far (each after lost events). */
  readonly resyncs: number;
  close(): Promise<void>;
}

/**
 * Told when the monitor cannot keep the caller's view current: events lost or undecodable, a resync that failed
 * (it is retried with backoff). A sentence for the log.
 */
export type LinkMonitorTroubleHandler = (message: string) => void;

export interface LinkMonitorFactory {
  start(onEvent: LinkEventHandler, onTrouble: LinkMonitorTroubleHandler): LinkMonitor;
}
