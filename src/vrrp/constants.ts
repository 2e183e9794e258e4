// Protocol numbers and fixed values from RFC 3768 (VRRPv2) and RFC 5798 (VRRPv3).

export const IPPROTO_VRRP = 112;
/** IPsec AH (RFC 4302): keepalived's `auth_type AH` wraps VRRPv2 adverts in it. */
export const IPPROTO_AH = 51;
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** RFC 5798 §5.1.1.3 / §5.1.2.3: sent with TTL / hop limit 255 so receivers can tell the advert stayed on-link. */
export const VRRP_TTL = 255;
export const VRRP_MCAST_GROUP_V4 = "224.0.0.18";
export const VRRP_MCAST_GROUP_V6 = "ff02::12";

/** Priority of the address owner: it never waits and never changes with trackers. */
export const VRRP_PRIO_OWNER = 255;
/** Priority announced by a master that is leaving: backups take over after skew time only. */
export const VRRP_PRIO_STOP = 0;

export const VRRP_HEADER_LENGTH = 8;
/** VRRPv2 always carries 8 bytes of authentication data after the addresses (zeros without auth). */
export const VRRP_AUTH_DATA_LENGTH = 8;

export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
/** IPsec AH (RFC 2338's type 2, dropped by RFC 3768, kept by keepalived): HMAC-MD5-96 over the datagram. */
export const AUTH_AH = 2;
export type AuthType = typeof AUTH_NONE | typeof AUTH_PASS | typeof AUTH_AH;

/** v3's Max Adver Int is a 12-bit count of centiseconds. */
export const VRRP_V3_MAX_INTERVAL_CS = 4095;
/** v2's Adver Int is an 8-bit count of seconds. */
export const VRRP_V2_MAX_INTERVAL_S = 255;
