// Address text as written in the config (src/config/address.ts): parsed once per text and remembered, so every
// answer must be as if parsed afresh.

import { describe, expect, test } from "bun:test";
import { parseAddress, parsePrefix } from "../../src/config/address.ts";

describe("parseAddress", () => {
  test("canonical text, family and bytes; null for what is not an address", () => {
    expect(parseAddress("2001:DB8:0::1")).toEqual({ bytes: expect.any(Uint8Array), family: 6, text: "2001:db8::1" });
    expect([...parseAddress("192.0.2.7")!.bytes]).toEqual([192, 0, 2, 7]);
    expect(parseAddress("192.0.2.256")).toBeNull();
    expect(parseAddress("192.0.2.256")).toBeNull();
  });

  test("the same text read again gives an equal answer its caller owns: changing one leaves the next alone", () => {
    const first = parseAddress("198.51.100.1")!;
    first.bytes[3] = 99;
    first.text = "changed";
    const second = parseAddress("198.51.100.1")!;
    expect([...second.bytes]).toEqual([198, 51, 100, 1]);
    expect(second.text).toBe("198.51.100.1");
    expect(second.bytes).not.toBe(first.bytes);
  });

  test("more distinct addresses than are remembered all read right, twice over", () => {
    const texts = Array.from({ length: 3000 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`);
    for (let round = 0; round < 2; round++) {
      for (const [i, text] of texts.entries()) {
        const parsed = parseAddress(text)!;
        expect(parsed.text).toBe(text);
        expect((parsed.bytes[14]! << 8) | parsed.bytes[15]!).toBe(i + 1);
      }
    }
  });

  test("a prefix keeps its length and its address's canonical text", () => {
    expect(parsePrefix("203.0.113.9/24")).toMatchObject({ text: "203.0.113.9", prefixLength: 24, family: 4 });
    expect(parsePrefix("203.0.113.9/33")).toBeNull();
  });
});
