// Why a received advertisement was dropped. Each reason is counted per instance (or per node when no instance
// could be found) and logged, so a mismatch with a peer is visible instead of silently producing two masters.

export const REJECT_REASONS = [
  "truncated", // shorter than its header or its address count says
  "bad-version", // not 2 or 3
  "bad-type", // not an ADVERTISEMENT
  "bad-ttl", // IPv4 TTL or IPv6 hop limit not 255 (it crossed a router), or outside a unicast peer's min_ttl..max_ttl
  "bad-checksum",
  "checksum-form-mismatch", // v3 over IPv4 with the other checksum form (keepalived's v3_checksum_as_v2)
  "vrid-unknown", // no instance with this VRID on the interface and family
  "version-mismatch", // v2 advert for a v3 instance or the reverse
  "address-count-mismatch",
  "address-list-mismatch",
  "auth-type-mismatch",
  "auth-mismatch", // wrong simple password
  "ah-malformed", // AH header too short, not 24 bytes, not carrying VRRP, or its SPI is not the sender's address
  "ah-bad-icv", // AH integrity check value wrong: another key (or the datagram changed on the way)
  "ah-replay", // AH sequence number not above the last one accepted (keepalived's anti-replay rule)
  "interval-mismatch", // v2 only: the advert interval must equal ours
  "bad-interval", // v3 with an interval of 0: adopting it would make Master_Down_Interval 0
  "unknown-unicast-peer", // unicast instance and the source is none of its peers
  "own-advert", // our own advert looped back
  "not-to-group", // a multicast instance got an advert sent to another address (keepalived drops these too)
  "ipv6-extension-header", // IPv6: behind a routing header with segments left, or a malformed extension header chain
  "ipv6-fragment", // IPv6: in fragments (never reassembled: vipd's and keepalived's adverts fit one packet)
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** Counters for every reason, all present from the start so the hot path only increments. */
export type RejectCounters = Record<RejectReason, number>;

export function newRejectCounters(): RejectCounters {
  const counters = {} as RejectCounters;
  for (const reason of REJECT_REASONS) counters[reason] = 0;
  return counters;
}
