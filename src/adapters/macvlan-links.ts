// Macvlan links and the per-interface settings a VRRP virtual MAC needs, at the operation level. The Linux
// implementation is src/adapters/linux/macvlan-adapter.ts (rtnetlink); test/adapters/fake-macvlan.ts keeps the same
// state in memory. The policy (which macvlan, which settings, when) is src/daemon/vmac-manager.ts.

/** keepalived's VMACs are private macvlans: frames between two macvlans of one parent are not delivered. */
export type MacvlanMode = "private" | "bridge";

export interface MacvlanSpec {
  name: string;
  /** The interface it sits on (keepalived's base interface). */
  parentIfindex: number;
  /** 6 bytes, e.g. the virtual router MAC 00:00:5e:00:01:VRID. */
  mac: Uint8Array;
  mode: MacvlanMode;
}

export interface MacvlanLink {
  ifindex: number;
  name: string;
  parentIfindex: number;
  mac: Uint8Array;
  /** null when the kernel reports a mode vipd does not create (vepa, passthru, source). */
  mode: MacvlanMode | null;
  up: boolean;
}

/** The IPv4 settings (net.ipv4.conf.IF.NAME) vipd changes on a VMAC and its base interface. */
export type Ipv4Setting =
  | "arp_ignore"
  | "arp_filter"
  | "arp_announce"
  | "accept_local"
  | "rp_filter"
  | "promote_secondaries"
  | "drop_gratuitous_arp";

export type Ipv4Settings = Record<Ipv4Setting, number>;

/**
 * The IPv6 settings (net.ipv6.conf.IF.NAME) vipd changes on a VMAC: IPv6 off on an IPv4 VMAC (as keepalived), and
 * no router advertisements taken on an IPv6 one (SLAAC would give every router's VMAC the same address, derived
 * from the shared MAC).
 */
export type Ipv6Setting = "disable_ipv6" | "accept_ra";

export type Ipv6Settings = Record<Ipv6Setting, number>;

export interface MacvlanLinks {
  /** Every macvlan link of the namespace. */
  macvlans(): MacvlanLink[];
  /**
   * Creates the macvlan, down, with IPv6 address generation off (RFC 5798 §7.4: no link-local address derived
   * from the virtual MAC); returns it. EEXIST when the name is taken.
   */
  create(spec: MacvlanSpec): MacvlanLink;
  /** Deletes a link (any kind: the caller checks it is its own macvlan). ENODEV when it is gone. */
  remove(ifindex: number): void;
  setUp(ifindex: number, up: boolean): void;
  ipv4Settings(ifindex: number): Ipv4Settings;
  setIpv4Settings(ifindex: number, settings: Partial<Ipv4Settings>): void;
  ipv6Settings(ifname: string): Ipv6Settings;
  setIpv6Settings(ifname: string, settings: Partial<Ipv6Settings>): void;
  /**
   * net.ipv4.igmp_link_local_mcast_reports, for the whole namespace: whether IGMP reports are sent for 224.0.0.x
   * groups. A backup's VMAC joining 224.0.0.18 would otherwise send reports from the virtual MAC, and the switch
   * would send the VIP's traffic to the backup until the master's next advert (keepalived blocks them too).
   */
  igmpLinkLocalReports(): number;
  setIgmpLinkLocalReports(value: number): void;
  close(): void;
}
