// Announcing that this host now answers for a VIP: gratuitous ARP for IPv4, unsolicited neighbour advertisements
// for IPv6. The Linux implementation is src/adapters/linux/gratuitous.ts.

export interface AnnounceOptions {
  /** Frames per address in one burst (keepalived: garp_master_repeat, default 5). */
  repeat: number;
  /** Milliseconds between bursts' frames (keepalived: garp_interval / gna_interval, default 0 = back to back). */
  intervalMs: number;
}

export const KEEPALIVED_ANNOUNCE_DEFAULTS: AnnounceOptions = Object.freeze({ repeat: 5, intervalMs: 0 });

export interface NeighbourAnnouncer {
  /**
   * Sends `repeat` announcements for every address (4-byte IPv4 → gratuitous ARP, 16-byte IPv6 → unsolicited NA)
   * on `ifname`. Resolves when the last frame is sent; returns the number of frames sent.
   */
  announce(ifname: string, addresses: readonly Uint8Array[], options?: AnnounceOptions): Promise<number>;
  close(): void;
}
