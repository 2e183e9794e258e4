// nf_tables netlink messages (linux/netfilter/nf_tables.h): a writer for one batch (BATCH_BEGIN, messages,
// BATCH_END, applied by the kernel all or nothing) and the decoder of set element dumps. Every number inside
// nf_tables attributes is big-endian; strings carry their NUL. What the no-accept table holds is in
// nft-no-accept.ts; this file only knows the wire.
import * as C from "../../../ffi/constants.ts";
import { putU32BE } from "../../../ffi/structs/bytes.ts";
import { nfgenmsg, nlmsghdr, rtattr } from "../../../ffi/structs/index.ts";

/** One expression of a rule, as nft would list it: load into a register, compare, look up a set, give a verdict. */
export type NftExpr =
  | { kind: "meta"; key: number }
  | { kind: "cmp"; value: Uint8Array }
  | { kind: "payload"; base: number; offset: number; len: number }
  | { kind: "lookup"; set: string; setId: number }
  | { kind: "verdict"; code: number };

const nftType = (msg: number) => (C.NFNL_SUBSYS_NFTABLES << 8) | msg;

export function nftMessageName(type: number): string {
  const names: Record<number, string> = {
    [C.NFNL_MSG_BATCH_BEGIN]: "nf_tables batch",
    [nftType(C.NFT_MSG_GETTABLE)]: "NFT_MSG_GETTABLE",
    [nftType(C.NFT_MSG_GETSETELEM)]: "NFT_MSG_GETSETELEM",
  };
  return `nfnetlink ${names[type] ?? `type ${type}`}`;
}

function putStr(out: Uint8Array, at: number, type: number, value: string): number {
  return rtattr.putString(out, at, type, value);
}

function putBE32(out: Uint8Array, at: number, type: number, value: number): number {
  const next = rtattr.putU32Attr(out, at, type, 0);
  putU32BE(out, at + rtattr.SIZE, value >>> 0);
  return next;
}

/** Writes the messages of one batch into `tx` from offset 0, all with sequence number `seq`. */
export class NftBatch {
  private at = 0;
  private lastMessageAt = -1;

  constructor(
    private readonly tx: Uint8Array,
    private readonly seq: number,
  ) {
    this.message(C.NFNL_MSG_BATCH_BEGIN, 0, C.AF_UNSPEC, C.NFNL_SUBSYS_NFTABLES, (at) => at);
    this.lastMessageAt = -1;
  }

  newTable(family: number, name: string): this {
    return this.nft(C.NFT_MSG_NEWTABLE, C.NLM_F_CREATE, family, (at) => putStr(this.tx, at, C.NFTA_TABLE_NAME, name));
  }

  delTable(family: number, name: string): this {
    return this.nft(C.NFT_MSG_DELTABLE, 0, family, (at) => putStr(this.tx, at, C.NFTA_TABLE_NAME, name));
  }

  /** A base chain of type filter on `hook` with policy accept. */
  newChain(family: number, table: string, name: string, hook: number, priority: number): this {
    return this.nft(C.NFT_MSG_NEWCHAIN, C.NLM_F_CREATE, family, (at) => {
      const tx = this.tx;
      at = putStr(tx, at, C.NFTA_CHAIN_TABLE, table);
      at = putStr(tx, at, C.NFTA_CHAIN_NAME, name);
      const hookAt = at;
      at = rtattr.beginNested(tx, at, C.NFTA_CHAIN_HOOK);
      at = putBE32(tx, at, C.NFTA_HOOK_HOOKNUM, hook);
      at = putBE32(tx, at, C.NFTA_HOOK_PRIORITY, priority);
      at = rtattr.endNested(tx, hookAt, at);
      at = putBE32(tx, at, C.NFTA_CHAIN_POLICY, C.NF_ACCEPT);
      return putStr(tx, at, C.NFTA_CHAIN_TYPE, "filter");
    });
  }

  /** A set of addresses; `keyType` is nft's data type (7 ipv4_addr, 8 ipv6_addr), `id` names it within the batch. */
  newSet(family: number, table: string, name: string, id: number, keyType: number, keyLen: number): this {
    return this.nft(C.NFT_MSG_NEWSET, C.NLM_F_CREATE, family, (at) => {
      const tx = this.tx;
      at = putStr(tx, at, C.NFTA_SET_TABLE, table);
      at = putStr(tx, at, C.NFTA_SET_NAME, name);
      at = putBE32(tx, at, C.NFTA_SET_FLAGS, 0);
      at = putBE32(tx, at, C.NFTA_SET_KEY_TYPE, keyType);
      at = putBE32(tx, at, C.NFTA_SET_KEY_LEN, keyLen);
      return putBE32(tx, at, C.NFTA_SET_ID, id);
    });
  }

  /** Adds (NFT_MSG_NEWSETELEM; one already there is fine) or deletes (NFT_MSG_DELSETELEM) set elements. */
  setElements(msg: number, family: number, table: string, set: string, keys: readonly Uint8Array[]): this {
    return this.nft(msg, msg === C.NFT_MSG_NEWSETELEM ? C.NLM_F_CREATE : 0, family, (at) => {
      const tx = this.tx;
      at = putStr(tx, at, C.NFTA_SET_ELEM_LIST_TABLE, table);
      at = putStr(tx, at, C.NFTA_SET_ELEM_LIST_SET, set);
      const listAt = at;
      at = rtattr.beginNested(tx, at, C.NFTA_SET_ELEM_LIST_ELEMENTS);
      for (const key of keys) {
        const elemAt = at;
        at = rtattr.beginNested(tx, at, C.NFTA_LIST_ELEM);
        const keyAt = at;
        at = rtattr.beginNested(tx, at, C.NFTA_SET_ELEM_KEY);
        at = rtattr.putBytes(tx, at, C.NFTA_DATA_VALUE, key);
        at = rtattr.endNested(tx, keyAt, at);
        at = rtattr.endNested(tx, elemAt, at);
      }
      return rtattr.endNested(tx, listAt, at);
    });
  }

  /** A rule appended to `chain`; every expression works on register 1 (the verdict on the verdict register). */
  newRule(family: number, table: string, chain: string, exprs: readonly NftExpr[]): this {
    return this.nft(C.NFT_MSG_NEWRULE, C.NLM_F_CREATE | C.NLM_F_APPEND, family, (at) => {
      const tx = this.tx;
      at = putStr(tx, at, C.NFTA_RULE_TABLE, table);
      at = putStr(tx, at, C.NFTA_RULE_CHAIN, chain);
      const listAt = at;
      at = rtattr.beginNested(tx, at, C.NFTA_RULE_EXPRESSIONS);
      for (const expr of exprs) {
        const elemAt = at;
        at = rtattr.beginNested(tx, at, C.NFTA_LIST_ELEM);
        at = putStr(tx, at, C.NFTA_EXPR_NAME, expr.kind === "verdict" ? "immediate" : expr.kind);
        const dataAt = at;
        at = rtattr.beginNested(tx, at, C.NFTA_EXPR_DATA);
        at = this.exprData(at, expr);
        at = rtattr.endNested(tx, dataAt, at);
        at = rtattr.endNested(tx, elemAt, at);
      }
      return rtattr.endNested(tx, listAt, at);
    });
  }

  /** Closes the batch, the last message asking for the ack; returns the batch's length. */
  end(): number {
    if (this.lastMessageAt < 0) throw new Error("an nf_tables batch needs at least one message");
    const flagsAt = this.lastMessageAt + nlmsghdr.OFFSETS.nlmsg_flags;
    this.tx[flagsAt] = (this.tx[flagsAt] ?? 0) | C.NLM_F_ACK;
    this.message(C.NFNL_MSG_BATCH_END, 0, C.AF_UNSPEC, C.NFNL_SUBSYS_NFTABLES, (at) => at);
    return this.at;
  }

  private exprData(at: number, expr: NftExpr): number {
    const tx = this.tx;
    switch (expr.kind) {
      case "meta":
        at = putBE32(tx, at, C.NFTA_META_KEY, expr.key);
        return putBE32(tx, at, C.NFTA_META_DREG, C.NFT_REG_1);
      case "cmp": {
        at = putBE32(tx, at, C.NFTA_CMP_SREG, C.NFT_REG_1);
        at = putBE32(tx, at, C.NFTA_CMP_OP, C.NFT_CMP_EQ);
        const dataAt = at;
        at = rtattr.beginNested(tx, at, C.NFTA_CMP_DATA);
        at = rtattr.putBytes(tx, at, C.NFTA_DATA_VALUE, expr.value);
        return rtattr.endNested(tx, dataAt, at);
      }
      case "payload":
        at = putBE32(tx, at, C.NFTA_PAYLOAD_DREG, C.NFT_REG_1);
        at = putBE32(tx, at, C.NFTA_PAYLOAD_BASE, expr.base);
        at = putBE32(tx, at, C.NFTA_PAYLOAD_OFFSET, expr.offset);
        return putBE32(tx, at, C.NFTA_PAYLOAD_LEN, expr.len);
      case "lookup":
        at = putStr(tx, at, C.NFTA_LOOKUP_SET, expr.set);
        at = putBE32(tx, at, C.NFTA_LOOKUP_SREG, C.NFT_REG_1);
        return putBE32(tx, at, C.NFTA_LOOKUP_SET_ID, expr.setId);
      case "verdict": {
        at = putBE32(tx, at, C.NFTA_IMMEDIATE_DREG, C.NFT_REG_VERDICT);
        const dataAt = at;
        at = rtattr.beginNested(tx, at, C.NFTA_IMMEDIATE_DATA);
        const verdictAt = at;
        at = rtattr.beginNested(tx, at, C.NFTA_DATA_VERDICT);
        at = putBE32(tx, at, C.NFTA_VERDICT_CODE, expr.code);
        at = rtattr.endNested(tx, verdictAt, at);
        return rtattr.endNested(tx, dataAt, at);
      }
    }
  }

  private nft(msg: number, flags: number, family: number, body: (at: number) => number): this {
    this.message(nftType(msg), flags, family, 0, body);
    return this;
  }

  private message(type: number, flags: number, family: number, resId: number, body: (at: number) => number): void {
    const start = this.at;
    if (start + nlmsghdr.NLMSG_HDRLEN + nfgenmsg.SIZE > this.tx.length) throw new RangeError("nf_tables batch does not fit");
    nlmsghdr.encode(this.tx, { len: 0, type, flags: flags | C.NLM_F_REQUEST, seq: this.seq, pid: 0 }, start);
    const end = body(nfgenmsg.encode(this.tx, start + nlmsghdr.NLMSG_HDRLEN, family, C.NFNETLINK_V0, resId));
    nlmsghdr.setLen(this.tx, end - start, start);
    this.lastMessageAt = start;
    this.at = nlmsghdr.NLMSG_ALIGN(end);
  }
}

/** A request outside a batch (a get or a dump): nfgenmsg and the table (and set) name after the header at 0. */
export function encodeTableRequest(tx: Uint8Array, at: number, family: number, table: string, set?: string): number {
  at = nfgenmsg.encode(tx, at, family, C.NFNETLINK_V0, 0);
  if (set === undefined) return putStr(tx, at, C.NFTA_TABLE_NAME, table);
  at = putStr(tx, at, C.NFTA_SET_ELEM_LIST_TABLE, table);
  return putStr(tx, at, C.NFTA_SET_ELEM_LIST_SET, set);
}

export const GETTABLE = nftType(C.NFT_MSG_GETTABLE);
export const GETSETELEM = nftType(C.NFT_MSG_GETSETELEM);
export const NEWSETELEM = nftType(C.NFT_MSG_NEWSETELEM);

/**
 * The keys of one NEWSETELEM message of a dump (payload from `at`, after the nlmsghdr): each element's
 * NFTA_SET_ELEM_KEY value. Malformed input gives { ok: false }, never a throw.
 */
export function decodeSetElements(
  b: Uint8Array,
  at: number,
  end: number,
): { ok: true; keys: Uint8Array[] } | { ok: false; reason: string } {
  if (at + nfgenmsg.SIZE > end) return { ok: false, reason: "nfgenmsg truncated" };
  const keys: Uint8Array[] = [];
  const list = new rtattr.Cursor().reset(b, at + nfgenmsg.SIZE, end);
  while (list.next()) {
    if (list.type !== C.NFTA_SET_ELEM_LIST_ELEMENTS) continue;
    const elems = new rtattr.Cursor().reset(b, list.payloadAt, list.payloadAt + list.payloadLen);
    while (elems.next()) {
      if (elems.type !== C.NFTA_LIST_ELEM) continue;
      const fields = new rtattr.Cursor().reset(b, elems.payloadAt, elems.payloadAt + elems.payloadLen);
      while (fields.next()) {
        if (fields.type !== C.NFTA_SET_ELEM_KEY) continue;
        const data = new rtattr.Cursor().reset(b, fields.payloadAt, fields.payloadAt + fields.payloadLen);
        while (data.next()) if (data.type === C.NFTA_DATA_VALUE) keys.push(b.slice(data.payloadAt, data.payloadAt + data.payloadLen));
        if (data.malformed) return { ok: false, reason: "malformed set element key" };
      }
      if (fields.malformed) return { ok: false, reason: "malformed set element" };
    }
    if (elems.malformed) return { ok: false, reason: "malformed element list" };
  }
  if (list.malformed) return { ok: false, reason: "malformed attributes" };
  return { ok: true, keys };
}
