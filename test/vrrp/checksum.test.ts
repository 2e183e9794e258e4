import { expect, test } from "bun:test";
import { addWords, finishChecksum } from "../../src/vrrp/checksum.ts";

test("RFC 1071 §3 worked example: the sum of 0001 f203 f4f5 f6f7 folds to ddf2", () => {
  const bytes = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  expect(finishChecksum(addWords(bytes, 0, bytes.length))).toBe(~0xddf2 & 0xffff);
});

test("an odd trailing byte is padded with zero", () => {
  expect(finishChecksum(addWords(new Uint8Array([0x12, 0x34, 0x56]), 0, 3))).toBe(~(0x1234 + 0x5600) & 0xffff);
});

test("a message with its checksum in place sums to zero", () => {
  const message = new Uint8Array([0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x00, 0x00, 192, 0, 2, 100]);
  const sum = finishChecksum(addWords(message, 0, message.length));
  message[6] = sum >> 8;
  message[7] = sum & 0xff;
  expect(finishChecksum(addWords(message, 0, message.length))).toBe(0);
});

test("large inputs do not lose carries", () => {
  const big = new Uint8Array(200_000).fill(0xff);
  // 100,000 words of 0xffff: one's complement sum is 0xffff, so the checksum is 0.
  expect(finishChecksum(addWords(big, 0, big.length))).toBe(0);
});
