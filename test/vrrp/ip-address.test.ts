import { describe, expect, test } from "bun:test";
import { compareAddressBytes, formatIp, parseIPv4, parseIPv6, parseIp } from "../../src/vrrp/ip-address.ts";

describe("IPv4", () => {
  test("parses and formats", () => {
    expect([...parseIPv4("192.0.2.1")!]).toEqual([192, 0, 2, 1]);
    expect(formatIp(parseIPv4("203.0.113.255")!)).toBe("203.0.113.255");
  });
  test("rejects malformed text", () => {
    for (const bad of ["192.0.2", "192.0.2.256", "192.0.2.1.1", "a.b.c.d", "192.0.2.-1", "", "1.2.3.04567"]) {
      expect(parseIPv4(bad)).toBeNull();
    }
  });
});

describe("IPv6", () => {
  test("parses compressed forms and embedded IPv4", () => {
    expect([...parseIPv6("2001:db8::1")!]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...parseIPv6("::")!]).toEqual(new Array(16).fill(0));
    expect([...parseIPv6("::ffff:192.0.2.1")!].slice(10)).toEqual([0xff, 0xff, 192, 0, 2, 1]);
    expect(parseIPv6("fe80:0:0:0:0:0:0:1")).toEqual(parseIPv6("fe80::1"));
  });
  test("formats canonically (RFC 5952)", () => {
    expect(formatIp(parseIPv6("2001:0db8:0000:0000:0000:0000:0000:0001")!)).toBe("2001:db8::1");
    expect(formatIp(parseIPv6("2001:db8:0:1:0:0:0:1")!)).toBe("2001:db8:0:1::1");
    expect(formatIp(parseIPv6("2001:db8:1:1:1:1:1:1")!)).toBe("2001:db8:1:1:1:1:1:1");
    expect(formatIp(parseIPv6("ff02::12")!)).toBe("ff02::12");
  });
  test("RFC 5952: the longest zero run is shortened, the leftmost on a tie, a single zero group never", () => {
    const cases: [string, string][] = [
      ["0:0:0:0:0:0:0:0", "::"],
      ["0:0:0:0:0:0:0:1", "::1"],
      ["1:0:0:0:0:0:0:0", "1::"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // tie: leftmost
      ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // longest wins over leftmost
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // one zero group stays
      ["0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"],
      ["2001:DB8:0:0:0:0:0:A", "2001:db8::a"], // lower case
      ["2001:0db8:00ab:0000:0000:0000:0c00:0001", "2001:db8:ab::c00:1"], // no leading zeros
      ["fe80:0:0:0:0200:5eff:fe10:000a", "fe80::200:5eff:fe10:a"],
    ];
    for (const [input, canonical] of cases) expect([input, formatIp(parseIPv6(input)!)]).toEqual([input, canonical]);
  });
  test("IPv4-mapped addresses in mixed notation (RFC 5952 §5); others in plain hex", () => {
    expect(formatIp(parseIPv6("0:0:0:0:0:ffff:c000:0201")!)).toBe("::ffff:192.0.2.1");
    expect(formatIp(parseIPv6("::fffe:c000:201")!)).toBe("::fffe:c000:201");
    expect(formatIp(parseIPv6("1::ffff:c000:201")!)).toBe("1::ffff:c000:201");
  });
  test("formats an address inside a larger buffer; other lengths are a programming error", () => {
    const buffer = new Uint8Array(24).fill(0xaa);
    buffer.set(parseIPv6("2001:db8::12")!, 4);
    expect(formatIp(buffer, 4, 16)).toBe("2001:db8::12");
    expect(formatIp(buffer, 4, 4)).toBe("32.1.13.184");
    expect(() => formatIp(new Uint8Array(6))).toThrow(RangeError);
  });
  test("matches the WHATWG URL host serializer (same compression rules) and parses back, over random addresses", () => {
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 16;
    };
    for (let n = 0; n < 2000; n++) {
      const bytes = new Uint8Array(16);
      // Mostly zero groups, so runs of every length and position occur.
      for (let g = 0; g < 8; g++) if (random() % 3 === 0) bytes.set([random() & 0xff, random() & 0xff], g * 2);
      bytes[11] = bytes[11] === 0xff ? 0 : bytes[11]!; // keep clear of ::ffff:0:0/96 (mixed notation, not WHATWG's)
      const text = formatIp(bytes);
      expect([text, new URL(`http://[${text}]/`).hostname]).toEqual([text, `[${text}]`]);
      expect(parseIPv6(text)).toEqual(bytes);
    }
  });
  test("rejects malformed text", () => {
    for (const bad of ["2001:db8:::1", "1::2::3", "12345::1", "2001:db8::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "1.2.3.4::"]) {
      expect(parseIPv6(bad)).toBeNull();
    }
  });
});

test("addresses compare as unsigned big-endian numbers", () => {
  const a = parseIp("192.0.2.10")!;
  const b = parseIp("192.0.2.9")!;
  expect(compareAddressBytes(a, 0, b, 0, 4)).toBeGreaterThan(0);
  expect(compareAddressBytes(b, 0, a, 0, 4)).toBeLessThan(0);
  expect(compareAddressBytes(a, 0, a, 0, 4)).toBe(0);
});
