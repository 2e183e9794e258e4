// The core's own HMAC-MD5 against node:crypto's (OpenSSL, what keepalived uses) and RFC 2104's own test vector.

import { expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { HmacMd5, MD5_DIGEST_BYTES } from "../../src/vrrp/hmac-md5.ts";

function ours(key: Uint8Array, ...pieces: Uint8Array[]): string {
  const hmac = new HmacMd5(key);
  const out = new Uint8Array(MD5_DIGEST_BYTES);
  hmac.begin();
  for (const p of pieces) hmac.update(p, 0, p.length);
  hmac.finish(out);
  return Buffer.from(out).toString("hex");
}

test("RFC 2104's test vector", () => {
  expect(ours(new TextEncoder().encode("Jefe"), new TextEncoder().encode("what do ya want for nothing?"))).toBe(
    "750c783e6ab0b503eaa86e310a5db738",
  );
});

test("matches OpenSSL for every length around the block and padding edges, keys short and long", () => {
  let seed = 7;
  const bytes = (n: number) =>
    Uint8Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    });
  for (const keyLength of [0, 8, 64, 65, 100]) {
    const key = bytes(keyLength);
    for (let n = 0; n <= 200; n++) {
      const data = bytes(n);
      const expected = createHmac("md5", key).update(data).digest("hex");
      expect(ours(key, data)).toBe(expected);
      // In pieces, as the AH check hashes the header copy and then the rest of the packet.
      expect(ours(key, data.subarray(0, n >> 1), data.subarray(n >> 1))).toBe(expected);
    }
  }
});

test("the same HmacMd5 gives the same digest again (its state is reset)", () => {
  const key = new TextEncoder().encode("Aa123456");
  const data = new Uint8Array(60).fill(0xab);
  expect(ours(key, data)).toBe(ours(key, data));
  const hmac = new HmacMd5(key);
  const a = new Uint8Array(16);
  const b = new Uint8Array(16);
  hmac.begin();
  hmac.update(data, 0, 60);
  hmac.finish(a);
  hmac.begin();
  hmac.update(data, 0, 60);
  hmac.finish(b);
  expect(Buffer.from(a).toString("hex")).toBe(Buffer.from(b).toString("hex"));
});
