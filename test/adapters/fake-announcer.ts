// A NeighbourAnnouncer that records what it was asked to announce.
import { KEEPALIVED_ANNOUNCE_DEFAULTS, type AnnounceOptions, type NeighbourAnnouncer } from "../../src/adapters/neighbour-announcer.ts";

export class FakeAnnouncer implements NeighbourAnnouncer {
  readonly announced: Array<{ ifname: string; addresses: Uint8Array[]; options: AnnounceOptions }> = [];
  closed = false;

  async announce(ifname: string, addresses: readonly Uint8Array[], options: AnnounceOptions = KEEPALIVED_ANNOUNCE_DEFAULTS): Promise<number> {
    if (this.closed) throw new Error("announcer closed");
    this.announced.push({ ifname, addresses: addresses.map((a) => a.slice()), options });
    return addresses.length * options.repeat;
  }

  close(): void {
    this.closed = true;
  }
}
