// In-memory stand-ins for the Linux adapters and the clock, so several drivers can run on one simulated LAN in
// a test, deterministically. The real adapters are proven separately in test/netns.

import type { AddressEntry, AddressManager, AddressSpec, Link, RouteSpec, RuleSpec } from "../../src/adapters/address-manager.ts";
import type { AnnounceOptions, NeighbourAnnouncer } from "../../src/adapters/neighbour-announcer.ts";
import type { PacketHandler, ReceivedPacket, TransportStats, VrrpTransport, VrrpTransportFactory, VrrpTransportOptions } from "../../src/adapters/vrrp-transport.ts";
import type { Timers } from "../../src/clock/timers.ts";
import { formatIp, type IpFamily } from "../../src/vrrp/ip-address.ts";

export class FakeTimers implements Timers {
  private time = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; seq: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.time + Math.max(0, ms), seq: id, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Runs every callback due up to now + ms, in time order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: { id: number; at: number; seq: number } | null = null;
      for (const [id, t] of this.pending) if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = { id, at: t.at, seq: t.seq };
      if (!next) break;
      const entry = this.pending.get(next.id)!;
      this.pending.delete(next.id);
      this.time = Math.max(this.time, entry.at);
      entry.callback();
    }
    this.time = until;
  }
}

/** A LAN segment: what one transport sends, every other transport on it receives after `delayMs`. */
export class FakeLan {
  readonly transports = new Set<FakeTransport>();
  constructor(
    readonly timers: FakeTimers,
    readonly delayMs = 0.2,
  ) {}

  factory(hostAddress: Uint8Array): VrrpTransportFactory {
    return { open: (options, onPacket) => new FakeTransport(this, options, hostAddress, onPacket) };
  }
}

export class FakeTransport implements VrrpTransport {
  readonly family: IpFamily;
  readonly ifname: string;
  readonly ifindex = 2;
  readonly source: Uint8Array;
  readonly stats: TransportStats = { received: 0, malformed: 0, sent: 0, sendErrors: 0 };
  linkUp = true;

  constructor(
    private readonly lan: FakeLan,
    options: VrrpTransportOptions,
    hostAddress: Uint8Array,
    private readonly onPacket: PacketHandler,
  ) {
    this.family = options.family;
    this.ifname = options.ifname;
    this.source = options.source ?? hostAddress;
    lan.transports.add(this);
  }

  send(packet: Uint8Array, length: number, dst: Uint8Array): void {
    if (!this.linkUp) throw Object.assign(new Error("sendto: ENETDOWN"), { errno: 100 });
    this.stats.sent++;
    const copy = packet.slice(0, length);
    for (const peer of this.lan.transports) {
      if (peer === this || !peer.linkUp || peer.family !== this.family) continue;
      this.lan.timers.setTimeout(() => peer.receive(copy, this.source, dst), this.lan.delayMs);
    }
  }

  private receive(packet: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    if (!this.lan.transports.has(this) || !this.linkUp) return;
    this.stats.received++;
    const received: ReceivedPacket = { family: this.family, ifindex: this.ifindex, src, dst, ttl: 255, packet, offset: 0, length: packet.length };
    this.onPacket(received);
  }

  async close(): Promise<void> {
    this.lan.transports.delete(this);
  }
}

export class FakeAddresses implements AddressManager {
  readonly held = new Set<string>();
  readonly log: string[] = [];

  links(): Link[] {
    return [{ ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true }];
  }
  addresses(_family: IpFamily): AddressEntry[] {
    return [];
  }
  addAddress(spec: AddressSpec): void {
    const key = keyOf(spec);
    if (this.held.has(key)) throw Object.assign(new Error("EEXIST"), { errno: 17 });
    this.held.add(key);
    this.log.push(`add ${key}`);
  }
  deleteAddress(spec: AddressSpec): void {
    const key = keyOf(spec);
    if (!this.held.delete(key)) throw Object.assign(new Error("EADDRNOTAVAIL"), { errno: 99 });
    this.log.push(`del ${key}`);
  }
  addRoute(_route: RouteSpec): void {}
  deleteRoute(_route: RouteSpec): void {}
  addRule(_rule: RuleSpec): void {}
  deleteRule(_rule: RuleSpec): void {}
  close(): void {}
}

export class FakeAnnouncer implements NeighbourAnnouncer {
  readonly bursts: string[] = [];
  async announce(ifname: string, addresses: readonly Uint8Array[], options?: AnnounceOptions): Promise<number> {
    this.bursts.push(`${ifname} ${addresses.map((a) => formatIp(a)).join(",")} x${options?.repeat}`);
    return addresses.length * (options?.repeat ?? 1);
  }
  close(): void {}
}

export function keyOf(spec: AddressSpec): string {
  return `${formatIp(spec.address)}/${spec.prefixlen}@${spec.ifindex}`;
}
