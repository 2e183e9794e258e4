// An in-memory LAN of VRRP transports for driver and simulation tests: what one transport sends to a group reaches
// every other transport of the same family on the LAN; unicast reaches the transport whose source it names.
// Delivery is synchronous unless `deliver` is replaced (e.g. to queue packets for a fake clock).
// `linkDown()` / `linkUp()` play a link flap as Linux does it: the host's transports on it hear nothing while it is
// down; the IPv6 ones (AF_PACKET, ENETDOWN) also lose their stream, say so through onHealth and heal once the link
// is back; the IPv4 raw socket has nothing to report. `endStream()` ends one transport's stream for any reason.
// IPsec AH transports (`ipsecAh`) are a protocol of their own, as on Linux: they send the whole IPv4 datagram they
// are given and hear only each other, with the addresses and TTL of that datagram's header.
import { AdapterError } from "../../src/adapters/adapter-error.ts";
import type {
  PacketHandler,
  ReceivedPacket,
  TransportHealthHandler,
  TransportStats,
  VrrpTransport,
  VrrpTransportFactory,
  VrrpTransportOptions,
} from "../../src/adapters/vrrp-transport.ts";
import { sameAddress, type IpFamily } from "../../src/vrrp/ip-address.ts";

const isMulticast = (a: Uint8Array): boolean => (a.length === 4 ? (a[0]! & 0xf0) === 0xe0 : a[0] === 0xff);

export class FakeTransport implements VrrpTransport {
  readonly stats: TransportStats = { received: 0, malformed: 0, sent: 0, sendErrors: 0 };
  closed = false;
  receiving = true;
  linkIsUp = true;

  constructor(
    private readonly lan: FakeLan,
    /** The host it belongs to (what the log names as the sender). */
    readonly host: string,
    readonly family: IpFamily,
    readonly ifname: string,
    readonly ifindex: number,
    readonly source: Uint8Array,
    readonly onPacket: PacketHandler,
    private readonly onHealth: TransportHealthHandler | undefined,
    readonly ipsecAh = false,
  ) {}

  /** Hears what is sent to it: open, stream working, link up. */
  get hearing(): boolean {
    return !this.closed && this.receiving && this.linkIsUp;
  }

  /** Its receive stream ended: deaf until `linkUp()` (the Linux transport re-binds once its link is up). */
  endStream(reason: string): void {
    if (this.closed || !this.receiving) return;
    this.receiving = false;
    this.onHealth?.(false, `IPv${this.family} VRRP receive on ${this.ifname} stopped (${reason}); reopening it`);
  }

  /** The link is back: the transport re-binds and hears again. */
  linkUp(): void {
    this.linkIsUp = true;
    if (this.closed || this.receiving) return;
    this.receiving = true;
    this.onHealth?.(true, `IPv${this.family} VRRP receive on ${this.ifname} works again`);
  }

  send(packet: Uint8Array, length: number, dst: Uint8Array, ttl?: number): void {
    if (this.closed) throw AdapterError.refused("send vrrp advert", "EBADF", "transport closed");
    this.stats.sent++;
    this.lan.transmit(this, packet.slice(0, length), dst, ttl);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.lan.detach(this);
  }
}

export interface SentPacket {
  /** `host/ifname` of the sender. */
  from: string;
  family: IpFamily;
  src: Uint8Array;
  dst: Uint8Array;
  bytes: Uint8Array;
}

export class FakeLan {
  private readonly members = new Set<FakeTransport>();

  /** `schedule` delays each delivery (e.g. on a fake clock); without it delivery is synchronous. */
  constructor(private readonly schedule: (deliver: () => void) => void = (deliver) => deliver()) {}
  /** Everything sent, in order (for assertions). */
  readonly log: SentPacket[] = [];
  /** TTL the receivers see (tests set it to something else to check the TTL rule). */
  ttl = 255;

  /** A factory for one host: `sources` gives its address per family (its "primary address" / link-local). */
  host(name: string, sources: { 4?: Uint8Array; 6?: Uint8Array }): VrrpTransportFactory {
    // Like the kernel's: one index per interface name, the first after lo's.
    const ifindexes = new Map<string, number>();
    return {
      open: (options: VrrpTransportOptions, onPacket: PacketHandler): VrrpTransport => {
        const source = options.source ?? sources[options.family];
        if (!source) throw AdapterError.refused(`open vrrp socket on ${options.ifname}`, "EADDRNOTAVAIL", "no address to send from");
        if (!ifindexes.has(options.ifname)) ifindexes.set(options.ifname, ifindexes.size + 2);
        const ifindex = ifindexes.get(options.ifname)!;
        if (options.ipsecAh && options.family !== 4) throw new RangeError("IPsec AH adverts are IPv4 only");
        const t = new FakeTransport(
          this,
          name,
          options.family,
          options.ifname,
          ifindex,
          source.slice(),
          onPacket,
          options.onHealth,
          options.ipsecAh === true,
        );
        this.members.add(t);
        return t;
      },
    };
  }

  /** The open transports of `host` on `ifname` (both families unless one is named). */
  transportsOf(host: string, ifname: string, family?: IpFamily): FakeTransport[] {
    return [...this.members].filter((t) => t.host === host && t.ifname === ifname && (family === undefined || t.family === family));
  }

  /** `host`'s `ifname` went down: its transports' receive streams end (they hear nothing and say so). */
  linkDown(host: string, ifname: string, reason = "ENETDOWN: Network is down"): void {
    for (const t of this.transportsOf(host, ifname)) {
      t.linkIsUp = false;
      if (t.family === 6) t.endStream(reason);
    }
  }

  /** `host`'s `ifname` is up again: its transports hear again and say so. */
  linkUp(host: string, ifname: string): void {
    for (const t of this.transportsOf(host, ifname)) t.linkUp();
  }

  get openCount(): number {
    return this.members.size;
  }

  detach(t: FakeTransport): void {
    this.members.delete(t);
  }

  /** `ttl`: the sender's (unicast_ttl); receivers see `this.ttl` otherwise. */
  transmit(from: FakeTransport, bytes: Uint8Array, dst: Uint8Array, ttl?: number): void {
    this.log.push({ from: `${from.host}/${from.ifname}`, family: from.family, src: from.source, dst: dst.slice(), bytes });
    for (const to of this.members) {
      if (to === from || to.family !== from.family || to.ipsecAh !== from.ipsecAh || !to.hearing) continue;
      if (!isMulticast(dst) && !sameAddress(to.source, 0, dst, 0, dst.length)) continue;
      const p: ReceivedPacket = {
        family: to.family,
        ifindex: to.ifindex,
        src: from.source,
        dst,
        ttl: ttl ?? this.ttl,
        packet: bytes,
        offset: 0,
        length: bytes.length,
      };
      if (from.ipsecAh) {
        // The datagram as built by the sender: the payload (AH and advert) follows its header.
        const ihl = (bytes[0]! & 0x0f) * 4;
        Object.assign(p, {
          src: bytes.slice(12, 16),
          ttl: bytes[8]!,
          ipProtocol: bytes[9]!,
          ipOffset: 0,
          offset: ihl,
          length: bytes.length - ihl,
        });
      }
      this.schedule(() => {
        if (!this.members.has(to) || !to.hearing) return; // closed, or its link went down, while the packet was on its way
        to.stats.received++;
        to.onPacket(p);
      });
    }
  }
}
