// A NeighbourAnnouncer that records what it was asked to announce, the frames that would have left (with the MAC
// looked up when the announcement was prepared or refreshed, as the Linux one builds its frames then), and when
// announcements were rebuilt.
import {
  type Announcement,
  KEEPALIVED_ANNOUNCE_DEFAULTS,
  type AnnounceOptions,
  type NeighbourAnnouncer,
} from "../../src/adapters/neighbour-announcer.ts";

/** The hardware address of an interface, undefined when there is no such interface. */
export type MacLookup = (ifname: string) => Uint8Array | undefined;

const EVERY_INTERFACE: MacLookup = () => new Uint8Array([2, 0, 0, 0, 0, 1]);

export interface RecordedFrame {
  ifname: string;
  mac: Uint8Array;
  address: Uint8Array;
}

export class FakeAnnouncer implements NeighbourAnnouncer {
  readonly announced: Array<{ ifname: string; addresses: Uint8Array[]; options: AnnounceOptions }> = [];
  /** One per frame sent, in order. */
  readonly frames: RecordedFrame[] = [];
  /** Interface names, once per refresh() of an announcement on it. */
  readonly refreshed: string[] = [];
  closed = false;

  /** Without `macOf` every interface exists. */
  constructor(private readonly macOf: MacLookup = EVERY_INTERFACE) {}

  prepare(ifname: string, addresses: readonly Uint8Array[]): Announcement {
    const copies = addresses.map((a) => a.slice());
    let mac = this.macOf(ifname)?.slice();
    return {
      send: async (options = KEEPALIVED_ANNOUNCE_DEFAULTS) => {
        mac ??= this.macOf(ifname)?.slice();
        if (!mac) throw Object.assign(new Error(`announce on ${ifname} failed: ENODEV: no such interface`), { code: "ENODEV" });
        return this.send(ifname, mac, copies, options);
      },
      refresh: () => {
        this.refreshed.push(ifname);
        mac = this.macOf(ifname)?.slice();
      },
    };
  }

  announce(ifname: string, addresses: readonly Uint8Array[], options: AnnounceOptions = KEEPALIVED_ANNOUNCE_DEFAULTS): Promise<number> {
    return this.prepare(ifname, addresses).send(options);
  }

  private send(ifname: string, mac: Uint8Array, addresses: Uint8Array[], options: AnnounceOptions): number {
    if (this.closed) throw new Error("announcer closed");
    this.announced.push({ ifname, addresses: addresses.map((a) => a.slice()), options });
    for (let round = 0; round < options.repeat; round++)
      for (const address of addresses) this.frames.push({ ifname, mac, address: address.slice() });
    return addresses.length * options.repeat;
  }

  close(): void {
    this.closed = true;
  }
}
