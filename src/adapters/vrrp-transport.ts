// The VRRP packet transport at the level the driver thinks in: "send this advert to that address", "an advert
// arrived from there with this TTL". One transport per (interface, family). The Linux implementation is
// src/adapters/linux/vrrp-socket.ts; test/adapters/fake-vrrp-transport.ts is an in-memory LAN for driver tests.
import type { IpFamily } from "../vrrp/ip-address.ts";
import type { RejectReason } from "../vrrp/reject-reason.ts";

/**
 * One received VRRP message. Valid only during the callback: the buffers are reused for the next packet (the
 * receive path allocates nothing). `packet[offset, offset+length)` is the VRRP message, without the IP header.
 */
export interface ReceivedPacket {
  family: IpFamily;
  ifindex: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** IPv4 TTL or IPv6 hop limit, read from the received IP header (RFC 5798 §5.1.1.3 wants 255). */
  ttl: number;
  /**
   * IPv4 only: the datagram's protocol and where its header starts in `packet`. For IPPROTO_AH,
   * `packet[offset, offset+length)` is the AH header and the advert after it (the core checks both).
   */
  ipProtocol?: number;
  ipOffset?: number;
  packet: Uint8Array;
  offset: number;
  length: number;
  /**
   * Set when the packet carries VRRP but the transport already knows it must be dropped (IPv6 extension headers
   * vipd does not accept, fragments); the core counts it under this reason, by VRID when `length` covers one.
   */
  drop?: RejectReason | null;
}

export type PacketHandler = (p: ReceivedPacket) => void;

export interface VrrpTransportOptions {
  ifname: string;
  family: IpFamily;
  /** Multicast group to join and send to by default: 224.0.0.18 / ff02::12 unless configured otherwise. */
  group?: Uint8Array;
  /**
   * Source address of everything sent (mcast_src_ip / unicast_src_ip). Default: the interface's primary IPv4
   * address, or its IPv6 link-local address.
   */
  source?: Uint8Array;
  /**
   * IPv4 only: adverts go inside IPsec AH (IP protocol 51, keepalived's auth_type AH). The transport then sends the
   * whole IPv4 datagram it is given (the core builds the header: the ICV covers it) and delivers AH datagrams.
   */
  ipsecAh?: boolean;
  /** Receive buffer in bytes; sized for hundreds of instances by default. */
  rcvbufBytes?: number;
  /**
   * Told when receiving stops (`false`: the socket failed or the link went down; the transport keeps trying to
   * reopen it with backoff) and when it works again (`true`). `reason` is a sentence for the log. A transport that
   * cannot receive is deaf: its user must not stay MASTER on it, nor think the peers are silent.
   */
  onHealth?: TransportHealthHandler;
}

export type TransportHealthHandler = (receiving: boolean, reason: string) => void;

export interface TransportStats {
  received: number;
  /** Datagrams dropped before the callback: truncated or malformed IP headers, wrong protocol. */
  malformed: number;
  /** IPv6 adverts accepted behind extension headers (hop-by-hop, destination options, a spent routing header). */
  extensionHeaders?: number;
  sent: number;
  sendErrors: number;
}

export interface VrrpTransport {
  readonly family: IpFamily;
  readonly ifname: string;
  readonly ifindex: number;
  /** The source address adverts carry (needed by the caller for the v3 checksum). */
  readonly source: Uint8Array;
  readonly stats: TransportStats;
  /** False from the moment receiving stops until it works again (what `onHealth` last said). */
  readonly receiving: boolean;
  /**
   * Sends packet[0, length) to `dst` (the group or a unicast peer). `ttl`: this packet's IPv4 TTL / IPv6 hop limit
   * (keepalived's unicast_ttl), 255 when left out. Throws SyscallError-like errors on failure.
   */
  send(packet: Uint8Array, length: number, dst: Uint8Array, ttl?: number): void;
  /** Stops receiving and releases every descriptor. Idempotent. */
  close(): Promise<void>;
}

export interface VrrpTransportFactory {
  open(options: VrrpTransportOptions, onPacket: PacketHandler): VrrpTransport;
}
