// Announcing that this host now answers for a VIP: gratuitous ARP for IPv4, unsolicited neighbour advertisements
// for IPv6. The Linux implementation is src/adapters/linux/gratuitous.ts.

export interface AnnounceOptions {
  /** Frames per address in one burst (keepalived: garp_master_repeat, default 5). */
  repeat: number;
  /** Milliseconds between bursts' frames (keepalived: garp_interval / gna_interval, default 0 = back to back). */
  intervalMs: number;
}

export const KEEPALIVED_ANNOUNCE_DEFAULTS: AnnounceOptions = Object.freeze({ repeat: 5, intervalMs: 0 });

/**
 * The announcement of one list of addresses on one interface, built ahead: on a takeover only the sending is left
 * (the interface's index and hardware address looked up, the frames encoded, beforehand).
 */
export interface Announcement {
  /**
   * Sends `repeat` frames for every address (4-byte IPv4 → gratuitous ARP, 16-byte IPv6 → unsolicited NA).
   * Resolves when the last frame is sent, with the number of frames sent.
   */
  send(options?: AnnounceOptions): Promise<number>;
  /** The interface changed (hardware address, index) or came back: build the frames again now. Never throws. */
  refresh(): void;
}

export interface NeighbourAnnouncer {
  /**
   * Builds the announcement of `addresses` on `ifname`. Never throws: an interface that is missing or not
   * Ethernet is retried on send(), which reports the error.
   */
  prepare(ifname: string, addresses: readonly Uint8Array[]): Announcement;
  /** prepare() and send() in one go, for a one-off announcement. */
  announce(ifname: string, addresses: readonly Uint8Array[], options?: AnnounceOptions): Promise<number>;
  close(): void;
}
