// The no-accept table in nf_tables, over NETLINK_NETFILTER (no nft command). What keepalived sets up, in one
// table of family inet instead of one per family:
//
//   table inet vipd {
//     set vips4 { type ipv4_addr }          set vips6 { type ipv6_addr }
//     chain input  { type filter hook input  priority -1; policy accept;
//       meta nfproto ipv4 ip daddr @vips4 drop
//       meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
//       meta nfproto ipv6 ip6 daddr @vips6 drop }
//     chain output { type filter hook output priority -1; policy accept;
//       (the same with saddr) }
//   }
//
// Priority -1 is keepalived's default (nftables_priority): just before the usual filter chains. Every change is one
// batch, applied by the kernel all or nothing. The socket is opened on first use, so a host whose config needs no
// table never talks to nf_tables beyond the clean-up at start.
import { moduleMayBePresent } from "./kernel-module.ts";
import * as C from "../../../ffi/constants.ts";
import { RtnlSocket } from "../../../ffi/netlink.ts";
import { AdapterError, toAdapterError } from "../adapter-error.ts";
import { NO_ACCEPT_TABLE, type NoAcceptFilter } from "../no-accept-filter.ts";
import {
  decodeSetElements,
  encodeTableRequest,
  GETSETELEM,
  GETTABLE,
  NEWSETELEM,
  NftBatch,
  type NftExpr,
  nftMessageName,
} from "./nft-messages.ts";

const FAMILY = C.NFPROTO_INET;
const TABLE = NO_ACCEPT_TABLE;
const CHAIN_PRIORITY = -1;
/** nft's data types of the sets' keys (ipv4_addr, ipv6_addr): only `nft list` reads them. */
const TYPE_IPV4_ADDR = 7;
const TYPE_IPV6_ADDR = 8;
const IPPROTO_ICMPV6 = 58;
const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;
/** A batch of every VIP of a large config: 255 IPv6 addresses of ≈ 36 bytes each, and the rules. */
const TX_SIZE = 32 * 1024;

interface FamilySet {
  name: string;
  id: number;
  keyType: number;
  keyLen: number;
  nfproto: number;
  /** Where the destination and source addresses sit in the network header. */
  daddrAt: number;
  saddrAt: number;
}

const SETS: readonly FamilySet[] = [
  { name: "vips4", id: 1, keyType: TYPE_IPV4_ADDR, keyLen: 4, nfproto: C.NFPROTO_IPV4, daddrAt: 16, saddrAt: 12 },
  { name: "vips6", id: 2, keyType: TYPE_IPV6_ADDR, keyLen: 16, nfproto: C.NFPROTO_IPV6, daddrAt: 24, saddrAt: 8 },
];

const byte = (value: number) => ({ kind: "cmp", value: Uint8Array.of(value) }) as const;

function dropRule(set: FamilySet, addressAt: number): NftExpr[] {
  return [
    { kind: "meta", key: C.NFT_META_NFPROTO },
    byte(set.nfproto),
    { kind: "payload", base: C.NFT_PAYLOAD_NETWORK_HEADER, offset: addressAt, len: set.keyLen },
    { kind: "lookup", set: set.name, setId: set.id },
    { kind: "verdict", code: C.NF_DROP },
  ];
}

/** Neighbour discovery for a VIP must pass, or nobody could resolve it when it is ours again. */
function neighbourDiscoveryRule(icmpType: number): NftExpr[] {
  return [
    { kind: "meta", key: C.NFT_META_NFPROTO },
    byte(C.NFPROTO_IPV6),
    { kind: "meta", key: C.NFT_META_L4PROTO },
    byte(IPPROTO_ICMPV6),
    { kind: "payload", base: C.NFT_PAYLOAD_TRANSPORT_HEADER, offset: 0, len: 1 },
    byte(icmpType),
    { kind: "verdict", code: C.NF_ACCEPT },
  ];
}

export class LinuxNoAcceptFilter implements NoAcceptFilter {
  private sock: RtnlSocket | null = null;

  constructor(private readonly nfTablesMayBePresent: () => boolean = () => moduleMayBePresent("nf_tables")) {}

  install(): void {
    this.batch("install the no-accept table", (b) => {
      // Created then deleted first: whatever an earlier run left is gone in the same step.
      b.newTable(FAMILY, TABLE).delTable(FAMILY, TABLE).newTable(FAMILY, TABLE);
      for (const s of SETS) b.newSet(FAMILY, TABLE, s.name, s.id, s.keyType, s.keyLen);
      for (const [chain, hook] of [
        ["input", C.NF_INET_LOCAL_IN],
        ["output", C.NF_INET_LOCAL_OUT],
      ] as const) {
        b.newChain(FAMILY, TABLE, chain, hook, CHAIN_PRIORITY);
        const [v4, v6] = SETS as [FamilySet, FamilySet];
        b.newRule(FAMILY, TABLE, chain, dropRule(v4, chain === "input" ? v4.daddrAt : v4.saddrAt));
        b.newRule(FAMILY, TABLE, chain, neighbourDiscoveryRule(ND_NEIGHBOR_SOLICIT));
        b.newRule(FAMILY, TABLE, chain, neighbourDiscoveryRule(ND_NEIGHBOR_ADVERT));
        b.newRule(FAMILY, TABLE, chain, dropRule(v6, chain === "input" ? v6.daddrAt : v6.saddrAt));
      }
    });
  }

  block(addresses: readonly Uint8Array[]): void {
    this.changeElements(C.NFT_MSG_NEWSETELEM, addresses, "block addresses");
  }

  unblock(addresses: readonly Uint8Array[]): void {
    try {
      this.changeElements(C.NFT_MSG_DELSETELEM, addresses, "unblock addresses");
    } catch (error) {
      // ENOENT: no table at all (an error), or an address not in its set, which fails the whole batch: then the
      // addresses go one by one, each absent one being fine.
      if (!(error instanceof AdapterError && error.code === "ENOENT") || !this.installed()) throw error;
      if (addresses.length > 1) for (const address of addresses) this.unblock([address]);
    }
  }

  remove(): void {
    // No nf_tables in the kernel, no table to remove: asking would load the module into a kernel that may never
    // use it (at every start without a no-accept instance; ≈ 1 s of the test VM's start).
    if (this.sock === null && !this.nfTablesMayBePresent()) return;
    this.batch("remove the no-accept table", (b) => b.newTable(FAMILY, TABLE).delTable(FAMILY, TABLE));
  }

  installed(): boolean {
    const sock = this.socket();
    try {
      sock.exec(encodeTableRequest(sock.tx, sock.begin(GETTABLE, 0), FAMILY, TABLE));
      return true;
    } catch (error) {
      const e = toAdapterError("look up the no-accept table", error as Error);
      if (e instanceof AdapterError && e.code === "ENOENT") return false;
      throw e;
    }
  }

  blocked(): Uint8Array[] {
    if (!this.installed()) return [];
    const out: Uint8Array[] = [];
    const sock = this.socket();
    for (const s of SETS) {
      try {
        sock.dump(encodeTableRequest(sock.tx, sock.begin(GETSETELEM, 0), FAMILY, TABLE, s.name), (type, b, at, end) => {
          if (type !== NEWSETELEM) return;
          const decoded = decodeSetElements(b, at, end);
          if (!decoded.ok) throw new Error(`a set element dump could not be decoded: ${decoded.reason}`);
          out.push(...decoded.keys);
        });
      } catch (error) {
        throw toAdapterError(`list ${s.name}`, error as Error);
      }
    }
    return out;
  }

  close(): void {
    this.sock?.close();
    this.sock = null;
  }

  private changeElements(msg: number, addresses: readonly Uint8Array[], what: string): void {
    const byFamily = SETS.map((s) => ({ set: s, keys: addresses.filter((a) => a.length === s.keyLen) }));
    const odd = addresses.find((a) => a.length !== 4 && a.length !== 16);
    if (odd) throw new RangeError(`${what}: an address is 4 or 16 bytes, not ${odd.length}`);
    if (byFamily.every((f) => f.keys.length === 0)) return;
    this.batch(what, (b) => {
      for (const { set, keys } of byFamily) if (keys.length > 0) b.setElements(msg, FAMILY, TABLE, set.name, keys);
    });
  }

  private batch(what: string, build: (b: NftBatch) => void): void {
    const sock = this.socket();
    try {
      const b = new NftBatch(sock.tx, sock.beginBatch(C.NFNL_MSG_BATCH_BEGIN));
      build(b);
      sock.execBatch(b.end());
    } catch (error) {
      throw toAdapterError(what, error as Error);
    }
  }

  private socket(): RtnlSocket {
    this.sock ??= RtnlSocket.open({
      protocol: C.NETLINK_NETFILTER,
      txSize: TX_SIZE,
      describeRequest: (_tx, type) => nftMessageName(type),
    });
    return this.sock;
  }
}
