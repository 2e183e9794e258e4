// The driver's VRRP transports: one per (interface, family, plain VRRP or IPsec AH), shared by every instance on it, opened when an
// instance first needs it and closed when none does, or when its interface disappears (its sockets would
// stay silent).

import type { PacketHandler, VrrpTransport, VrrpTransportFactory, VrrpTransportOptions } from "../adapters/vrrp-transport.ts";
import type { Log } from "./log.ts";

export class TransportPool {
  private readonly open = new Map<string, VrrpTransport>();
  /** The same transports, for has(): each address event asks it for every instance (no iterator per question). */
  private readonly members = new Set<VrrpTransport>();

  constructor(
    private readonly factory: VrrpTransportFactory,
    private readonly log: Log,
  ) {}

  /** The transport of `options.ifname` and family, opened now when there is none; `onPacket` gets its adverts. */
  get(options: VrrpTransportOptions, onPacket: PacketHandler): VrrpTransport {
    const key = transportKey(options.ifname, options.family, options.ipsecAh === true);
    let transport = this.open.get(key);
    if (!transport) {
      transport = this.factory.open(options, onPacket);
      this.open.set(key, transport);
      this.members.add(transport);
    }
    return transport;
  }

  /** True while `transport` is open in this pool. */
  has(transport: VrrpTransport): boolean {
    return this.members.has(transport);
  }

  /** The interface is gone and its sockets with it: close them; the next get() for it opens new ones. */
  dropInterface(ifname: string): void {
    for (const [key, transport] of this.open) {
      if (transport.ifname !== ifname) continue;
      this.open.delete(key);
      this.members.delete(transport);
      this.close(transport);
      this.log.info(`interface ${ifname} is gone: its VRRP sockets are closed until it returns`);
    }
  }

  /** The transport of `ifname` and `family` (the IPsec AH one with `ipsecAh`) when one is open. */
  find(ifname: string, family: number, ipsecAh = false): VrrpTransport | undefined {
    return this.open.get(transportKey(ifname, family, ipsecAh));
  }

  /** Closes every transport not in `used`. */
  closeUnused(used: ReadonlySet<VrrpTransport>): void {
    for (const [key, transport] of this.open) {
      if (used.has(transport)) continue;
      this.open.delete(key);
      this.members.delete(transport);
      this.close(transport);
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    this.members.clear();
    await Promise.all(all.map((t) => t.close()));
  }

  stats() {
    return [...this.open].map(([key, t]) => ({
      ifname: t.ifname,
      family: t.family,
      ...(key === transportKey(t.ifname, t.family, true) ? { ipsecAh: true } : {}),
      ...t.stats,
    }));
  }

  private close(transport: VrrpTransport): void {
    transport.close().catch((error) => this.log.warn(`closing the VRRP socket of ${transport.ifname} failed: ${(error as Error).message}`));
  }
}

function transportKey(ifname: string, family: number, ipsecAh: boolean): string {
  return `${ifname}|${family}${ipsecAh ? "|ah" : ""}`;
}
