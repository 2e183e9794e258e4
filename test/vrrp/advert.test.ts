import { describe, expect, test } from "bun:test";
import { AdvertDecoder, encodeAdvert, passwordAuthData, type AdvertFields } from "../../src/vrrp/advert.ts";
import { addWords, finishChecksum } from "../../src/vrrp/checksum.ts";
import { ip } from "./fixtures.ts";

const SRC4 = ip("192.0.2.1");
const MCAST4 = ip("224.0.0.18");
const SRC6 = ip("fe80::1");
const MCAST6 = ip("ff02::12");

function fields(overrides: Partial<AdvertFields> = {}): AdvertFields {
  return {
    version: 3,
    vrid: 51,
    priority: 100,
    advertIntervalCs: 100,
    addresses: [ip("192.0.2.100")],
    authType: 0,
    authData: new Uint8Array(8),
    ...overrides,
  };
}

function encode(f: AdvertFields, family: 4 | 6 = 4, src = SRC4, dst = MCAST4, form: "pseudo-header" | "as-v2" = "pseudo-header") {
  const buf = new Uint8Array(1500);
  const length = encodeAdvert(buf, f, family, src, dst, form);
  return buf.slice(0, length);
}

describe("encoding follows the RFC layouts", () => {
  test("VRRPv2 (RFC 3768 §5.1): header, addresses, 8 bytes of auth data, checksum over the message only", () => {
    const bytes = encode(fields({ version: 2, authType: 1, authData: passwordAuthData("secret") }));
    expect(bytes.length).toBe(8 + 4 + 8);
    expect([...bytes.slice(0, 6)]).toEqual([0x21, 51, 100, 1, 1, 1]);
    expect([...bytes.slice(8, 12)]).toEqual([192, 0, 2, 100]);
    expect(new TextDecoder().decode(bytes.slice(12, 18))).toBe("secret");
    expect([...bytes.slice(18, 20)]).toEqual([0, 0]);
    expect(finishChecksum(addWords(bytes, 0, bytes.length))).toBe(0);
  });

  test("VRRPv2 without auth still carries 8 zero bytes of auth data", () => {
    const bytes = encode(fields({ version: 2 }));
    expect(bytes.length).toBe(20);
    expect([...bytes.slice(12)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test("a password longer than 8 bytes is cut to 8, as keepalived does", () => {
    expect(new TextDecoder().decode(passwordAuthData("0123456789"))).toBe("01234567");
  });

  test("VRRPv3 (RFC 5798 §5.1): 12-bit interval in centiseconds, checksum with the IPv4 pseudo-header", () => {
    const bytes = encode(fields({ advertIntervalCs: 0x123, addresses: [ip("192.0.2.100"), ip("198.51.100.7")] }));
    expect(bytes.length).toBe(8 + 8);
    expect([...bytes.slice(0, 6)]).toEqual([0x31, 51, 100, 2, 0x01, 0x23]);
    const pseudo = new Uint8Array([...SRC4, ...MCAST4, 0, 112, 0, bytes.length]);
    expect(finishChecksum(addWords(bytes, 0, bytes.length, addWords(pseudo, 0, pseudo.length)))).toBe(0);
    expect(finishChecksum(addWords(bytes, 0, bytes.length))).not.toBe(0);
  });

  test("VRRPv3 with v3_checksum_as_v2 sums the message only", () => {
    const bytes = encode(fields(), 4, SRC4, MCAST4, "as-v2");
    expect(finishChecksum(addWords(bytes, 0, bytes.length))).toBe(0);
  });

  test("VRRPv3 over IPv6 uses the IPv6 pseudo-header", () => {
    const bytes = encode(fields({ addresses: [ip("2001:db8::100")] }), 6, SRC6, MCAST6);
    expect(bytes.length).toBe(8 + 16);
    const pseudo = new Uint8Array([...SRC6, ...MCAST6, 0, 0, 0, bytes.length, 0, 0, 0, 112]);
    expect(finishChecksum(addWords(bytes, 0, bytes.length, addWords(pseudo, 0, pseudo.length)))).toBe(0);
  });

  test("unicast adverts to different peers get different v3 checksums", () => {
    const a = encode(fields(), 4, SRC4, ip("192.0.2.2"));
    const b = encode(fields(), 4, SRC4, ip("192.0.2.3"));
    expect([...a.slice(6, 8)]).not.toEqual([...b.slice(6, 8)]);
  });
});

describe("decoding", () => {
  const decoder = new AdvertDecoder();
  const decode = (bytes: Uint8Array, family: 4 | 6 = 4, src = SRC4, dst = MCAST4, ttl = 255) =>
    decoder.decode(bytes, 0, bytes.length, family, src, dst, ttl);

  test("round-trips v2, v3/IPv4 and v3/IPv6", () => {
    const v2 = decode(encode(fields({ version: 2, priority: 200, authType: 1, authData: passwordAuthData("pw") })));
    expect(v2.ok).toBe(true);
    if (!v2.ok) return;
    expect(v2.advert.version).toBe(2);
    expect(v2.advert.priority).toBe(200);
    expect(v2.advert.advertIntervalCs).toBe(100);
    expect(v2.advert.authType).toBe(1);
    expect(v2.advert.addressStrings()).toEqual(["192.0.2.100"]);

    const v3 = decode(encode(fields({ advertIntervalCs: 4095, addresses: [ip("192.0.2.100"), ip("192.0.2.101")] })));
    expect(v3.ok && v3.advert.advertIntervalCs).toBe(4095);
    expect(v3.ok && v3.advert.addressStrings()).toEqual(["192.0.2.100", "192.0.2.101"]);
    expect(v3.ok && v3.advert.checksumForm).toBe("pseudo-header");

    const v6 = decode(encode(fields({ addresses: [ip("2001:db8::100")] }), 6, SRC6, MCAST6), 6, SRC6, MCAST6);
    expect(v6.ok && v6.advert.addressStrings()).toEqual(["2001:db8::100"]);
  });

  test("a v3 IPv4 advert summed without the pseudo-header is read and marked as such", () => {
    const result = decode(encode(fields(), 4, SRC4, MCAST4, "as-v2"));
    expect(result.ok && result.advert.checksumForm).toBe("as-v2");
  });

  test("decodes at an offset inside a larger buffer (several datagrams in one chunk)", () => {
    const advert = encode(fields());
    const chunk = new Uint8Array(100);
    chunk.set(advert, 37);
    const result = decoder.decode(chunk, 37, advert.length, 4, SRC4, MCAST4, 255);
    expect(result.ok && result.advert.vrid).toBe(51);
  });

  const good = encode(fields());
  const cases: [string, Uint8Array, number, string][] = [
    ["shorter than the header", good.slice(0, 7), 255, "truncated"],
    ["shorter than its address count says", good.slice(0, 10), 255, "truncated"],
    ["version 4", Uint8Array.from(good, (b, i) => (i === 0 ? 0x41 : b)), 255, "bad-version"],
    ["type 2", Uint8Array.from(good, (b, i) => (i === 0 ? 0x32 : b)), 255, "bad-type"],
    ["a flipped bit", Uint8Array.from(good, (b, i) => (i === 2 ? b ^ 1 : b)), 255, "bad-checksum"],
  ];
  for (const [what, bytes, ttl, reason] of cases) {
    test(`rejects ${what} as ${reason}, without throwing`, () => {
      const result = decode(bytes, 4, SRC4, MCAST4, ttl);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toBe(reason as never);
    });
  }

  test("v2 over IPv6 does not exist", () => {
    const bytes = encode(fields({ version: 2, addresses: [ip("2001:db8::1")] }), 6, SRC6, MCAST6);
    const result = decode(bytes, 6, SRC6, MCAST6);
    expect(!result.ok && result.reason).toBe("bad-version");
  });

  test("garbage of every length never throws", () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let n = 0; n < 5000; n++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256));
      if (bytes.length > 0 && random() < 0.5) bytes[0] = random() < 0.5 ? 0x21 : 0x31;
      expect(() => decode(bytes, random() < 0.5 ? 4 : 6, SRC4, MCAST4)).not.toThrow();
    }
  });
});
