// The checks an instance makes on a decoded advert before its state machine sees it. keepalived drops adverts
// whose version, interval (v2), address list or authentication differ from its own configuration, so vipd
// must notice the same mismatches: otherwise each side ignores the other and both become MASTER.

import type { ReceivedAdvert } from "./advert.ts";
import { AUTH_AH, AUTH_PASS, VRRP_AUTH_DATA_LENGTH, VRRP_TTL } from "./constants.ts";
import type { InstanceConfig } from "./instance-config.ts";
import { addressLength, sameAddress } from "./ip-address.ts";
import type { IpsecAh } from "./ipsec-ah.ts";
import type { RejectReason } from "./reject-reason.ts";

/** Returns the reason to drop the advert, or null when it is acceptable. Allocates nothing. */
/** `ah`: the instance's AH state when it authenticates with IPsec AH; a passing advert raises its counter. */
export function validateAdvert(
  advert: ReceivedAdvert,
  config: InstanceConfig,
  fromCurrentMaster: boolean,
  ah: IpsecAh | null = null,
): RejectReason | null {
  // RFC 5798 §5.1.1.3: a multicast advert that crossed a router is not from this link. keepalived does not
  // check unicast adverts (it sends IPv6 unicast ones with the kernel's default hop limit of 64).
  if (config.unicastPeers.length === 0 && advert.ttl !== VRRP_TTL) return "bad-ttl";
  if (advert.version !== config.version) return "version-mismatch";
  const size = addressLength(advert.family);
  if (sameAddress(advert.src, 0, config.primaryAddress, 0, size)) return "own-advert";
  if (config.unicastPeers.length > 0 && config.checkUnicastSource) {
    const peer = indexOfAddress(config.unicastPeers, advert.src, 0, size);
    if (peer < 0) return "unknown-unicast-peer";
    const range = config.unicastPeerTtl[peer];
    if (range && (advert.ttl < range.min || advert.ttl > range.max)) return "bad-ttl";
  }
  // A stranger's advert sent straight to us must not steer a multicast instance (its priority 0 would make us
  // take over): only what went to the group counts.
  if (config.unicastPeers.length === 0 && !sameAddress(advert.dst, 0, config.multicastGroup, 0, size)) return "not-to-group";
  if (advert.version === 3 && advert.advertIntervalCs === 0) return "bad-interval";
  if (advert.version === 3 && advert.family === 4) {
    const expected = config.checksumAsV2 ? "as-v2" : "pseudo-header";
    if (advert.checksumForm !== expected) return "checksum-form-mismatch";
  }
  if (advert.version === 2) {
    if (advert.authType !== config.authType) return "auth-type-mismatch";
    // keepalived: an AH instance takes only adverts inside AH, any other instance none.
    if (advert.ahOffset >= 0 !== (config.authType === AUTH_AH)) return "auth-type-mismatch";
    if (config.authType === AUTH_PASS) {
      for (let i = 0; i < VRRP_AUTH_DATA_LENGTH; i++) {
        if (advert.packet[advert.authDataOffset + i] !== config.authData[i]) return "auth-mismatch";
      }
    } else if (config.authType === AUTH_AH) {
      const reason = ah ? ah.verify(advert, config.unicastPeers.length > 0) : "ah-bad-icv";
      if (reason !== null) return reason;
    }
    if (advert.advertIntervalCs !== config.advertIntervalCs) return "interval-mismatch";
  }
  if (config.skipCheckAdvertAddresses && fromCurrentMaster) return null;
  if (advert.addressCount !== config.advertAddresses.length) return "address-count-mismatch";
  for (const address of config.advertAddresses) {
    let found = false;
    for (let i = 0; i < advert.addressCount && !found; i++) {
      found = sameAddress(advert.packet, advert.addressOffset + i * size, address, 0, size);
    }
    if (!found) return "address-list-mismatch";
  }
  return null;
}

function indexOfAddress(list: readonly Uint8Array[], bytes: Uint8Array, offset: number, size: number): number {
  for (let i = 0; i < list.length; i++) if (sameAddress(list[i]!, 0, bytes, offset, size)) return i;
  return -1;
}
