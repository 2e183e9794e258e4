// keepalived's no-accept mode: while an instance is MASTER without being the address owner (priority 255) and
// with accept off, the host takes no packet addressed to its VIPs and sends none from them; only IPv6 neighbour
// discovery still passes, so the VIPs stay reachable at the link layer. keepalived does this with a table of its
// own in nftables; vipd keeps one table, "vipd" (family inet), with one set of addresses per family. The Linux
// implementation is src/adapters/linux/nft-no-accept.ts; test/adapters/fake-no-accept-filter.ts keeps it in memory.

export const NO_ACCEPT_TABLE = "vipd";

export interface NoAcceptFilter {
  /**
   * Sets up the table with empty sets, replacing one an earlier run left behind (a crash) in the same step, so
   * nothing is dropped until block() and nothing stale survives.
   */
  install(): void;
  /** Drops traffic to and from these addresses (4 or 16 bytes each) from now on; one already blocked is fine. */
  block(addresses: readonly Uint8Array[]): void;
  /** Lets them through again; one not blocked is fine. */
  unblock(addresses: readonly Uint8Array[]): void;
  /** Deletes the table, whoever's run set it up; no table is fine. */
  remove(): void;
  /** Whether the table is there. */
  installed(): boolean;
  /** The addresses dropped now, in no particular order (for status and tests). */
  blocked(): Uint8Array[];
  /** Releases what the filter holds open (its socket); a later call opens it again. */
  close(): void;
}
