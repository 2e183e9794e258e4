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
