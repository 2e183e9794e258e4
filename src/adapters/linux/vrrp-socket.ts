// VRRP over raw sockets on Linux (ARCHITECTURE §2). Receiving goes through Bun's event loop (FdStream); sending is
// a synchronous sendmsg whose source address is set per packet with IP_PKTINFO / IPV6_PKTINFO.
//
// IPv4: one raw IPPROTO_VRRP socket per interface does both. It is not bind()ed to the source address: a raw socket
// bound to an address only receives datagrams addressed to it, which would drop every advert sent to the group.
// IPv6: a raw socket sends (the kernel fills the checksum, IPV6_CHECKSUM=6); an AF_PACKET socket with a BPF filter
// receives, because the hop limit is only visible in the IPv6 header (the stream cannot carry ancillary data).
//
// A receive stream that ends heals itself: a link going down makes the AF_PACKET socket report ENETDOWN, and Bun
// stops reading a socket once a read fails. The transport reports that it is deaf (onHealth), waits with bounded
// exponential backoff until its interface is up again, re-binds the socket (which has the kernel deliver that
// interface's packets to it again) and reads it anew.
import * as C from "../../../ffi/constants.ts";
import {
  attachFilter,
  bindDevice,
  bindSocket,
  closeFd,
  ERRNO,
  ifNameToIndex,
  ioctlIfFlags,
  MsgBuffers,
  openSocket,
  sendMsg,
  setsockoptBytes,
  setsockoptInt,
  stableBuffer,
  SyscallError,
} from "../../../ffi/index.ts";
import { cmsghdr, in6Pktinfo, inPktinfo, ipMreqn, ipv6Mreq, sockaddrIn, sockaddrIn6, sockaddrLl } from "../../../ffi/structs/index.ts";
import { IPPROTO_AH, IPPROTO_VRRP, VRRP_MCAST_GROUP_V4, VRRP_MCAST_GROUP_V6, VRRP_TTL } from "../../vrrp/constants.ts";
import { formatIp, parseIp, type IpFamily } from "../../vrrp/ip-address.ts";
import { AdapterError, adapterCall, toAdapterError } from "../adapter-error.ts";
import type {
  PacketHandler,
  ReceivedPacket,
  TransportHealthHandler,
  TransportStats,
  VrrpTransport,
  VrrpTransportFactory,
  VrrpTransportOptions,
} from "../vrrp-transport.ts";
import { DROP_ALL_FILTER, VRRP6_RECEIVE_FILTER } from "./bpf-vrrp6.ts";
import { type ChunkHandler, FdStream } from "./fd-stream.ts";
import { defaultSourceAddress } from "./interface-address.ts";
import { forEachIpv4Datagram, forEachIpv6Packet } from "./ip-datagrams.ts";

/** DSCP CS6 (network control), as keepalived sends (seen in its captures: TOS 0xc0). */
export const VRRP_TOS = 0xc0;
/** Default receive buffer: ≥ 1 MiB so a burst from hundreds of instances is not dropped (ARCHITECTURE §2). */
export const DEFAULT_RCVBUF_BYTES = 1 << 20;
/** Largest VRRP message: 255 IPv6 addresses + header. */
const MAX_VRRP_BYTES = 8 + 255 * 16;

/** Backoff between attempts to read a failed receive socket again: from the first to the longest wait. */
export const RECEIVE_RETRY_FIRST_MS = 20;
export const RECEIVE_RETRY_MAX_MS = 1000;

const GROUP_V4 = parseIp(VRRP_MCAST_GROUP_V4)!;
const GROUP_V6 = parseIp(VRRP_MCAST_GROUP_V6)!;

/** SO_RCVBUFFORCE ignores rmem_max but needs CAP_NET_ADMIN; without it fall back to what SO_RCVBUF allows. */
export function setReceiveBuffer(fd: number, bytes: number): void {
  try {
    setsockoptInt(fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, bytes);
  } catch (e) {
    if (!(e instanceof SyscallError && e.errno === ERRNO.EPERM)) throw e;
    setsockoptInt(fd, C.SOL_SOCKET, C.SO_RCVBUF, bytes);
  }
}

function openingOf(options: VrrpTransportOptions): string {
  return `open IPv${options.family} vrrp socket on ${options.ifname}`;
}

function sourceFor(ifindex: number, options: VrrpTransportOptions): Uint8Array {
  const length = options.family === 4 ? 4 : 16;
  if (options.source) {
    if (options.source.length !== length) throw new RangeError(`source ${formatIp(options.source)} is not IPv${options.family}`);
    return options.source.slice();
  }
  const found = defaultSourceAddress(ifindex, options.family);
  if (!found) {
    const what = options.family === 4 ? "IPv4 address" : "IPv6 link-local address";
    throw AdapterError.refused(openingOf(options), "EADDRNOTAVAIL", `no ${what} to send from`);
  }
  return found;
}

/** Why a stream ended or a reopening failed, errno name first (`ENETDOWN: ...`). */
function describeEnd(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

abstract class VrrpSocketBase implements VrrpTransport {
  readonly stats: TransportStats = { received: 0, malformed: 0, extensionHeaders: 0, sent: 0, sendErrors: 0 };
  protected readonly msg = new MsgBuffers(MAX_VRRP_BYTES, 64);
  protected controlLen = 0;
  protected readonly received: ReceivedPacket;
  private stream: FdStream | null = null;
  private closed = false;
  private receivingNow = true;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelayMs = RECEIVE_RETRY_FIRST_MS;
  /** Named once: a failed send must not cost a string on the sending path. */
  private readonly sending: string;
  private readonly receivingWhat: string;

  constructor(
    readonly family: IpFamily,
    readonly ifname: string,
    readonly ifindex: number,
    readonly source: Uint8Array,
    protected readonly sendFd: number,
    protected readonly onPacket: PacketHandler,
    private readonly onHealth: TransportHealthHandler | undefined,
  ) {
    this.sending = `send vrrp advert on ${ifname}`;
    this.receivingWhat = `IPv${family} VRRP receive on ${ifname}`;
    const n = family === 4 ? 4 : 16;
    this.received = {
      family,
      ifindex,
      src: new Uint8Array(n),
      dst: new Uint8Array(n),
      ttl: 0,
      packet: new Uint8Array(0),
      offset: 0,
      length: 0,
    };
  }

  protected abstract destination(dst: Uint8Array): Uint8Array;
  protected abstract receiveFds(): number[];
  /** The socket adverts are read from. */
  protected abstract readonly receiveFd: number;
  /** Splits a chunk read from the receive socket into packets for `dispatch`. */
  protected abstract readonly splitChunk: ChunkHandler;
  /** Has the kernel deliver the interface's packets to the receive socket again after the link came back. */
  protected abstract rebind(): void;

  get receiving(): boolean {
    return this.receivingNow;
  }

  /** Reads the receive socket through Bun's event loop (again, after a recovery). */
  protected listen(): void {
    this.stream = new FdStream(this.receiveFd, this.onChunk, this.onStreamEnd);
  }

  private readonly onChunk = (chunk: Uint8Array): void => {
    this.retryDelayMs = RECEIVE_RETRY_FIRST_MS; // it works: the next failure starts the backoff afresh
    this.splitChunk(chunk);
  };

  private readonly onStreamEnd = (error: unknown): void => {
    this.stream = null;
    if (this.closed) return;
    this.setReceiving(false, `${this.receivingWhat} stopped (${describeEnd(error)}); reopening it`);
    this.scheduleRecovery();
  };

  private scheduleRecovery(): void {
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, RECEIVE_RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.recover();
    }, delay);
  }

  private recover(): void {
    if (this.closed) return;
    try {
      if (ifNameToIndex(this.ifname) !== this.ifindex) throw new Error(`${this.ifname} is another interface now`);
      // Bound to a link that is down, an AF_PACKET socket only reports ENETDOWN again: wait for it to come up.
      if ((ioctlIfFlags(this.sendFd, this.ifname) & C.IFF_UP) === 0) {
        this.scheduleRecovery();
        return;
      }
      this.rebind();
      this.listen();
    } catch (e) {
      this.setReceiving(false, `${this.receivingWhat} cannot be reopened yet (${describeEnd(e)})`);
      this.scheduleRecovery();
      return;
    }
    this.setReceiving(true, `${this.receivingWhat} works again`);
  }

  private setReceiving(receiving: boolean, reason: string): void {
    if (receiving === this.receivingNow) return;
    this.receivingNow = receiving;
    this.onHealth?.(receiving, reason);
  }

  send(packet: Uint8Array, length: number, dst: Uint8Array, ttl = VRRP_TTL): void {
    if (this.closed) throw AdapterError.refused(this.sending, "EBADF", "transport closed");
    if (length > this.msg.data.length || length > packet.length) throw new RangeError(`advert of ${length} bytes`);
    const data = this.msg.data;
    for (let i = 0; i < length; i++) data[i] = packet[i]!; // subarray() would allocate per send
    try {
      sendMsg(this.sendFd, this.msg, length, this.destination(dst), this.controlLen + this.ttlControl(ttl));
      this.stats.sent++;
    } catch (e) {
      this.stats.sendErrors++;
      throw toAdapterError(this.sending, e);
    }
  }

  /**
   * unicast_ttl: another TTL / hop limit than the socket's 255 travels as a second control message after the
   * source's; returns its length (0 for none).
   */
  private ttlControl(ttl: number): number {
    if (ttl === VRRP_TTL) return 0;
    const [level, type] = this.family === 4 ? [C.SOL_IP, C.IP_TTL] : [C.SOL_IPV6, C.IPV6_HOPLIMIT];
    cmsghdr.encodeHeader(this.msg.control, level, type, 4, this.controlLen);
    new DataView(this.msg.control.buffer, this.msg.control.byteOffset).setInt32(this.controlLen + cmsghdr.CMSG_DATA_OFFSET, ttl, true);
    return cmsghdr.CMSG_SPACE(4);
  }

  protected readonly dispatch = (p: ReceivedPacket): void => {
    this.stats.received++;
    this.onPacket(p);
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.stream?.cancel();
    this.stream = null;
    const fds = new Set([this.sendFd, ...this.receiveFds()]);
    adapterCall(`close vrrp socket on ${this.ifname}`, () => {
      for (const fd of fds) closeFd(fd);
    });
  }
}

class Ipv4VrrpSocket extends VrrpSocketBase {
  private readonly dstAddr = stableBuffer(sockaddrIn.SIZE);
  protected readonly splitChunk: ChunkHandler = (chunk) =>
    forEachIpv4Datagram(chunk, this.received, this.stats, this.dispatch, this.protocol);

  constructor(
    ifname: string,
    ifindex: number,
    source: Uint8Array,
    protected readonly receiveFd: number,
    /** IPPROTO_VRRP, or IPPROTO_AH for keepalived's auth_type AH (whole datagrams sent, IP_HDRINCL). */
    private readonly protocol: number,
    onPacket: PacketHandler,
    onHealth: TransportHealthHandler | undefined,
  ) {
    super(4, ifname, ifindex, source, receiveFd, onPacket, onHealth);
    // The source travels with every packet (ipi_spec_dst), so one socket can both receive the group and send from
    // a chosen address.
    cmsghdr.encodeHeader(this.msg.control, C.SOL_IP, C.IP_PKTINFO, inPktinfo.SIZE);
    inPktinfo.encode(this.msg.control, ifindex, source, cmsghdr.CMSG_DATA_OFFSET);
    this.controlLen = cmsghdr.CMSG_SPACE(inPktinfo.SIZE);
    this.listen();
  }

  /** The kernel itself joins the group again when the link comes back up (ip_mc_up), and the socket is not bound. */
  protected rebind(): void {}

  protected destination(dst: Uint8Array): Uint8Array {
    sockaddrIn.encode(this.dstAddr, dst, 0);
    return this.dstAddr;
  }

  protected receiveFds(): number[] {
    return [];
  }

  static open(options: VrrpTransportOptions, onPacket: PacketHandler): Ipv4VrrpSocket {
    const ifindex = ifNameToIndex(options.ifname);
    const source = sourceFor(ifindex, options);
    const group = options.group ?? GROUP_V4;
    const protocol = options.ipsecAh ? IPPROTO_AH : IPPROTO_VRRP;
    const fd = openSocket(C.AF_INET, C.SOCK_RAW | C.SOCK_CLOEXEC, protocol);
    try {
      // The AH check value covers the IP header: the core builds it (as keepalived does), the kernel only fills
      // in the checksum.
      if (options.ipsecAh) setsockoptInt(fd, C.SOL_IP, C.IP_HDRINCL, 1);
      bindDevice(fd, options.ifname);
      setReceiveBuffer(fd, options.rcvbufBytes ?? DEFAULT_RCVBUF_BYTES);
      const mreq = stableBuffer(ipMreqn.SIZE);
      // Only the groups this socket joined, not every group any socket on the host joined.
      setsockoptInt(fd, C.SOL_IP, C.IP_MULTICAST_ALL, 0);
      ipMreqn.encode(mreq, group, ifindex);
      setsockoptBytes(fd, C.SOL_IP, C.IP_ADD_MEMBERSHIP, mreq);
      ipMreqn.encode(mreq, new Uint8Array(4), ifindex);
      setsockoptBytes(fd, C.SOL_IP, C.IP_MULTICAST_IF, mreq);
      setsockoptInt(fd, C.SOL_IP, C.IP_MULTICAST_TTL, VRRP_TTL);
      setsockoptInt(fd, C.SOL_IP, C.IP_MULTICAST_LOOP, 0);
      setsockoptInt(fd, C.SOL_IP, C.IP_TTL, VRRP_TTL);
      setsockoptInt(fd, C.SOL_IP, C.IP_TOS, VRRP_TOS);
      // keepalived's adverts leave DF clear.
      setsockoptInt(fd, C.SOL_IP, C.IP_MTU_DISCOVER, C.IP_PMTUDISC_DONT);
      return new Ipv4VrrpSocket(options.ifname, ifindex, source, fd, protocol, onPacket, options.onHealth);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }
}

class Ipv6VrrpSocket extends VrrpSocketBase {
  private readonly dstAddr = stableBuffer(sockaddrIn6.SIZE);
  protected readonly splitChunk: ChunkHandler = (chunk) => forEachIpv6Packet(chunk, this.received, this.stats, this.dispatch);

  constructor(
    ifname: string,
    ifindex: number,
    source: Uint8Array,
    sendFd: number,
    protected readonly receiveFd: number,
    /** The sockaddr_ll the receive socket is bound to (the interface and ETH_P_IPV6). */
    private readonly boundTo: Uint8Array,
    onPacket: PacketHandler,
    onHealth: TransportHealthHandler | undefined,
  ) {
    super(6, ifname, ifindex, source, sendFd, onPacket, onHealth);
    cmsghdr.encodeHeader(this.msg.control, C.SOL_IPV6, C.IPV6_PKTINFO, in6Pktinfo.SIZE);
    in6Pktinfo.encode(this.msg.control, source, ifindex, cmsghdr.CMSG_DATA_OFFSET);
    this.controlLen = cmsghdr.CMSG_SPACE(in6Pktinfo.SIZE);
    this.listen();
  }

  /** A link going down unhooks an AF_PACKET socket from it; binding again hooks it back on. */
  protected rebind(): void {
    bindSocket(this.receiveFd, this.boundTo);
  }

  protected destination(dst: Uint8Array): Uint8Array {
    // Link-local and multicast destinations need the interface as scope id.
    sockaddrIn6.encode(this.dstAddr, dst, 0, this.ifindex);
    return this.dstAddr;
  }

  protected receiveFds(): number[] {
    return [this.receiveFd];
  }

  static open(options: VrrpTransportOptions, onPacket: PacketHandler): Ipv6VrrpSocket {
    const ifindex = ifNameToIndex(options.ifname);
    const source = sourceFor(ifindex, options);
    const group = options.group ?? GROUP_V6;
    const sendFd = openSocket(C.AF_INET6, C.SOCK_RAW | C.SOCK_CLOEXEC, IPPROTO_VRRP);
    let packetFd = -1;
    try {
      // The raw socket would queue every incoming VRRP packet that nobody reads: it gets a drop-all filter.
      attachFilter(sendFd, DROP_ALL_FILTER);
      bindDevice(sendFd, options.ifname);
      setsockoptInt(sendFd, C.SOL_IPV6, C.IPV6_CHECKSUM, 6);
      setsockoptInt(sendFd, C.SOL_IPV6, C.IPV6_MULTICAST_IF, ifindex);
      setsockoptInt(sendFd, C.SOL_IPV6, C.IPV6_MULTICAST_HOPS, VRRP_TTL);
      setsockoptInt(sendFd, C.SOL_IPV6, C.IPV6_UNICAST_HOPS, VRRP_TTL);
      setsockoptInt(sendFd, C.SOL_IPV6, C.IPV6_MULTICAST_LOOP, 0);
      setsockoptInt(sendFd, C.SOL_IPV6, C.IPV6_TCLASS, VRRP_TOS);
      // Joining makes the NIC accept the group's MAC (33:33:00:00:00:12) and MLD-snooping switches forward it.
      const mreq = stableBuffer(ipv6Mreq.SIZE);
      ipv6Mreq.encode(mreq, group, ifindex);
      setsockoptBytes(sendFd, C.SOL_IPV6, C.IPV6_JOIN_GROUP, mreq);

      // Protocol 0 until the filter is attached, so nothing unfiltered is queued in between.
      packetFd = openSocket(C.AF_PACKET, C.SOCK_DGRAM | C.SOCK_CLOEXEC, 0);
      attachFilter(packetFd, VRRP6_RECEIVE_FILTER);
      setReceiveBuffer(packetFd, options.rcvbufBytes ?? DEFAULT_RCVBUF_BYTES);
      const ll = stableBuffer(sockaddrLl.SIZE);
      sockaddrLl.encode(ll, { protocol: C.ETH_P_IPV6, ifindex });
      bindSocket(packetFd, ll);
      return new Ipv6VrrpSocket(options.ifname, ifindex, source, sendFd, packetFd, ll, onPacket, options.onHealth);
    } catch (e) {
      if (packetFd >= 0) closeFd(packetFd);
      closeFd(sendFd);
      throw e;
    }
  }
}

/** Opens VRRP transports on Linux interfaces of the current network namespace. */
export const linuxVrrpTransports: VrrpTransportFactory = {
  open(options: VrrpTransportOptions, onPacket: PacketHandler): VrrpTransport {
    return adapterCall(openingOf(options), () => {
      if (options.family === 4) return Ipv4VrrpSocket.open(options, onPacket);
      if (options.ipsecAh) throw new RangeError("IPsec AH adverts are IPv4 only (keepalived's auth_type AH)");
      return Ipv6VrrpSocket.open(options, onPacket);
    });
  },
};
