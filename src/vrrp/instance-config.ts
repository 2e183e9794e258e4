// What the core needs to know about one VRRP instance. The config loader builds it from TOML; the core never
// reads files. Addresses are bytes (see ip-address.ts).

import type { VrrpVersion } from "./advert.ts";
import type { AuthType } from "./constants.ts";
import type { IpFamily } from "./ip-address.ts";
import type { TrackerConfig } from "./tracking.ts";

export interface GarpSettings {
  /** Gratuitous ARPs / unsolicited NAs sent at once on becoming MASTER (keepalived: garp_master_repeat, 5). */
  masterRepeat: number;
  /** Delay of the second burst after becoming MASTER, 0 for none (garp_master_delay, 5 s). */
  masterDelayMs: number;
  /** Burst sent when a MASTER hears a lower-priority advert (garp_lower_prio_repeat, default masterRepeat). */
  lowerPrioRepeat: number;
  /** A second burst this long after answering a lower-priority master, 0 for none (garp_lower_prio_delay). */
  lowerPrioDelayMs: number;
  /** Periodic refresh while MASTER, 0 for none (garp_master_refresh). */
  masterRefreshMs: number;
  masterRefreshRepeat: number;
  /** Refresh while MASTER on the VIPs' other interfaces only, one message per address, 0 for none (garp_extra_if all). */
  extraInterfacesRefreshMs: number;
}

export const DEFAULT_GARP: GarpSettings = {
  masterRepeat: 5,
  masterDelayMs: 5000,
  lowerPrioRepeat: 5,
  lowerPrioDelayMs: 5000,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  extraInterfacesRefreshMs: 0,
};

/** Inclusive; keepalived's default 0..255 lets everything through. */
export interface TtlRange {
  min: number;
  max: number;
}

export interface InstanceConfig {
  name: string;
  /** The interface the instance advertises on; adverts are matched by interface, family and VRID. */
  interface: string;
  family: IpFamily;
  version: VrrpVersion;
  vrid: number;
  /** Base priority 1..255; 255 is the address owner. */
  priority: number;
  advertIntervalCs: number;
  preempt: boolean;
  preemptDelayMs: number;
  /** The addresses carried in adverts (the VIPs of the instance's family, not the excluded ones). */
  advertAddresses: readonly Uint8Array[];
  authType: AuthType;
  /** 8 bytes; zeros without authentication. */
  authData: Uint8Array;
  /** keepalived's v3_checksum_as_v2: a v3 IPv4 checksum without the pseudo-header. */
  checksumAsV2: boolean;
  /** keepalived's skip_check_adv_addr: don't compare the address list of adverts from the current master. */
  skipCheckAdvertAddresses: boolean;
  /** Our address on the interface, the advert source: it breaks ties between equal priorities. */
  primaryAddress: Uint8Array;
  /** The multicast group adverts go to (224.0.0.18 / ff02::12 unless configured): only these are accepted. */
  multicastGroup: Uint8Array;
  /** Unicast peers; empty means multicast. */
  unicastPeers: readonly Uint8Array[];
  /** Unicast adverts from a source that is not a peer, or outside its TTL range, are dropped (check_unicast_src). */
  checkUnicastSource: boolean;
  /** The TTL / hop limit range each peer's adverts must arrive with (min_ttl, max_ttl), by index of unicastPeers. */
  unicastPeerTtl: readonly TtlRange[];
  trackers: readonly TrackerConfig[];
  garp: GarpSettings;
  /** A MASTER hearing a lower priority sends only gratuitous ARPs, no advert (keepalived's lower_prio_no_advert). */
  lowerPrioNoAdvert: boolean;
  /** A MASTER hearing a higher priority advertises once before it steps down (higher_prio_send_advert). */
  higherPrioSendAdvert: boolean;
  /** Missed adverts in Master_Down_Interval, 1..100 (down_timer_adverts; the RFCs' 3). */
  downTimerAdverts: number;
}
