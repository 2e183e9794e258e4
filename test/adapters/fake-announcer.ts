// A NeighbourAnnouncer that records what it was asked to announce, and when announcements were rebuilt.
import {
  type Announcement,
  KEEPALIVED_ANNOUNCE_DEFAULTS,
  type AnnounceOptions,
  type NeighbourAnnouncer,
} from "../../src/adapters/neighbour-announcer.ts";

export class FakeAnnouncer implements NeighbourAnnouncer {
  readonly announced: Array<{ ifname: string; addresses: Uint8Array[]; options: AnnounceOptions }> = [];
  /** Interface names, once per refresh() of an announcement on it. */
  readonly refreshed: string[] = [];
  closed = false;

  prepare(ifname: string, addresses: readonly Uint8Array[]): Announcement {
    const copies = addresses.map((a) => a.slice());
    return {
      send: (options) => this.announce(ifname, copies, options),
      refresh: () => void this.refreshed.push(ifname),
    };
  }

  async announce(
    ifname: string,
    addresses: readonly Uint8Array[],
    options: AnnounceOptions = KEEPALIVED_ANNOUNCE_DEFAULTS,
  ): Promise<number> {
    if (this.closed) throw new Error("announcer closed");
    this.announced.push({ ifname, addresses: addresses.map((a) => a.slice()), options });
    return addresses.length * options.repeat;
  }

  close(): void {
    this.closed = true;
  }
}
