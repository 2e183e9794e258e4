// The nf_tables batch writer and set element decoder (src/adapters/linux/nft-messages.ts), byte by byte where the
// kernel is strict: every message of a batch carries the batch's sequence number, only the last inner one asks
// for the ack, lengths and alignment hold, numbers are big-endian. The kernel itself runs them in
// test/netns/no-accept.root.test.ts.
import { describe, expect, test } from "bun:test";
import * as C from "../../ffi/constants.ts";
import { getU16, getU32, getU32BE } from "../../ffi/structs/bytes.ts";
import { decodeSetElements, NftBatch } from "../../src/adapters/linux/nft-messages.ts";

interface Message {
  type: number;
  flags: number;
  seq: number;
  family: number;
  resId: number;
  at: number;
  len: number;
}

function messages(b: Uint8Array, end: number): Message[] {
  const out: Message[] = [];
  for (let at = 0; at < end; ) {
    const len = getU32(b, at);
    out.push({
      type: getU16(b, at + 4),
      flags: getU16(b, at + 6),
      seq: getU32(b, at + 8),
      family: b[at + 16]!,
      resId: (b[at + 18]! << 8) | b[at + 19]!,
      at,
      len,
    });
    at += (len + 3) & ~3;
  }
  return out;
}

const nft = (msg: number) => (C.NFNL_SUBSYS_NFTABLES << 8) | msg;

describe("NftBatch", () => {
  test("begin, messages, end: one sequence number, the ack asked by the last inner message only", () => {
    const tx = new Uint8Array(4096);
    const end = new NftBatch(tx, 77).newTable(C.NFPROTO_INET, "vipd").delTable(C.NFPROTO_INET, "vipd").end();
    const list = messages(tx, end);
    expect(list.map((m) => m.type)).toEqual([
      C.NFNL_MSG_BATCH_BEGIN,
      nft(C.NFT_MSG_NEWTABLE),
      nft(C.NFT_MSG_DELTABLE),
      C.NFNL_MSG_BATCH_END,
    ]);
    expect(list.every((m) => m.seq === 77 && (m.flags & C.NLM_F_REQUEST) !== 0)).toBe(true);
    expect(list.map((m) => (m.flags & C.NLM_F_ACK) !== 0)).toEqual([false, false, true, false]);
    expect(list.map((m) => m.flags & C.NLM_F_CREATE)).toEqual([0, C.NLM_F_CREATE, 0, 0]);
    // Batch messages name the subsystem (big-endian res_id); the others the table's family.
    expect(list.map((m) => [m.family, m.resId])).toEqual([
      [C.AF_UNSPEC, C.NFNL_SUBSYS_NFTABLES],
      [C.NFPROTO_INET, 0],
      [C.NFPROTO_INET, 0],
      [C.AF_UNSPEC, C.NFNL_SUBSYS_NFTABLES],
    ]);
    // The table name, NUL-terminated, right after the nfgenmsg.
    const table = list[1]!;
    expect(getU16(tx, table.at + 20)).toBe(4 + 5);
    expect(getU16(tx, table.at + 22)).toBe(C.NFTA_TABLE_NAME);
    expect(new TextDecoder().decode(tx.subarray(table.at + 24, table.at + 29))).toBe("vipd\0");
    expect(end % 4).toBe(0);
  });

  test("a chain's hook, priority and policy are big-endian; -1 is 0xffffffff", () => {
    const tx = new Uint8Array(4096);
    const end = new NftBatch(tx, 1).newChain(C.NFPROTO_INET, "vipd", "input", C.NF_INET_LOCAL_IN, -1).end();
    const chain = messages(tx, end)[1]!;
    const body = tx.subarray(chain.at, chain.at + chain.len);
    const hookAt = [...body].findIndex((_, i) => i >= 20 && getU16(body, i + 2) === (C.NFTA_CHAIN_HOOK | (1 << 15)));
    expect(hookAt).toBeGreaterThan(0);
    expect(getU32BE(body, hookAt + 8)).toBe(C.NF_INET_LOCAL_IN);
    expect(getU32BE(body, hookAt + 16)).toBe(0xffffffff);
  });

  test("an empty batch is refused; one that does not fit throws before anything is sent", () => {
    expect(() => new NftBatch(new Uint8Array(4096), 1).end()).toThrow("at least one message");
    const keys = Array.from({ length: 100 }, (_, i) => Uint8Array.of(192, 0, 2, i));
    expect(() => new NftBatch(new Uint8Array(256), 1).setElements(C.NFT_MSG_NEWSETELEM, C.NFPROTO_INET, "vipd", "vips4", keys)).toThrow(
      RangeError,
    );
  });
});

describe("decodeSetElements", () => {
  test("reads back the keys a NEWSETELEM message carries", () => {
    const tx = new Uint8Array(4096);
    const keys = [Uint8Array.of(192, 0, 2, 1), Uint8Array.of(192, 0, 2, 2)];
    const end = new NftBatch(tx, 1).setElements(C.NFT_MSG_NEWSETELEM, C.NFPROTO_INET, "vipd", "vips4", keys).end();
    const m = messages(tx, end)[1]!;
    expect(decodeSetElements(tx, m.at + 16, m.at + m.len)).toEqual({ ok: true, keys });
  });

  test("malformed input is a reject, never a throw", () => {
    expect(decodeSetElements(new Uint8Array(2), 0, 2)).toEqual({ ok: false, reason: "nfgenmsg truncated" });
    const bad = Uint8Array.of(1, 0, 0, 0, 200, 0, 3, 0);
    expect(decodeSetElements(bad, 0, bad.length)).toEqual({ ok: false, reason: "malformed attributes" });
  });
});
