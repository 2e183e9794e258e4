// Adverts captured from the real keepalived 2.2.7 (see README.md and capture.sh): the encoder must reproduce
// each byte for byte from the same settings, and the decoder and an instance with those settings must accept it.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AdvertDecoder, encodeAdvert, passwordAuthData } from "../../src/vrrp/advert.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { validateAdvert } from "../../src/vrrp/validate-advert.ts";
import { instance } from "../vrrp/fixtures.ts";

interface GoldenVector {
  name: string;
  conf: string;
  keepalived: string;
  family: 4 | 6;
  src: string;
  dst: string;
  ttl: number;
  ipHeaderHex: string;
  vrrpHex: string;
  settings: {
    version: 2 | 3;
    vrid: number;
    priority: number;
    advertIntervalCs: number;
    authType: 0 | 1;
    authPassword: string;
    vips: string[];
    checksumAsV2: boolean;
  };
}

const dir = import.meta.dir;
const vectors: GoldenVector[] = readdirSync(dir)
  // The VRRP captures; ipvs-answers.json (the kernel's IPVS answers) has its own test in test/adapters.
  .filter((f) => f.endsWith(".json") && f !== "ipvs-answers.json")
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")))
  // Adverts inside IPsec AH are whole datagrams: ah-golden.test.ts.
  .filter((v) => v.ahHex === undefined);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const addr = (text: string) => parseIp(text)!;

test("the four captures the foundation asks for are present", () => {
  expect(vectors.map((v) => v.name)).toEqual(["v2-noauth", "v2-pass", "v3-ipv4-multi", "v3-ipv6"]);
  for (const v of vectors) expect(readFileSync(join(dir, v.conf), "utf8")).toContain(`virtual_router_id ${v.settings.vrid}`);
});

for (const v of vectors) {
  describe(`${v.name} (keepalived ${v.keepalived})`, () => {
    const s = v.settings;
    const fields = {
      version: s.version,
      vrid: s.vrid,
      priority: s.priority,
      advertIntervalCs: s.advertIntervalCs,
      addresses: s.vips.map(addr),
      authType: s.authType,
      authData: passwordAuthData(s.authPassword),
    };

    test("the encoder reproduces the captured bytes", () => {
      const out = new Uint8Array(1500);
      const length = encodeAdvert(out, fields, v.family, addr(v.src), addr(v.dst), s.checksumAsV2 ? "as-v2" : "pseudo-header");
      expect(hex(out.subarray(0, length))).toBe(v.vrrpHex);
    });

    test("the decoder reads it and an instance with the same settings accepts it", () => {
      const packet = Uint8Array.from(Buffer.from(v.vrrpHex, "hex"));
      const result = new AdvertDecoder().decode(packet, 0, packet.length, v.family, addr(v.src), addr(v.dst), v.ttl);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const a = result.advert;
      expect([a.version, a.vrid, a.priority, a.advertIntervalCs, a.authType]).toEqual([
        s.version,
        s.vrid,
        s.priority,
        s.advertIntervalCs,
        s.authType,
      ]);
      expect(a.addressStrings()).toEqual(s.vips);
      const config = instance({
        family: v.family,
        version: s.version,
        vrid: s.vrid,
        priority: 100,
        advertIntervalCs: s.advertIntervalCs,
        vips: s.vips,
        authType: s.authType,
        authData: passwordAuthData(s.authPassword),
        checksumAsV2: s.checksumAsV2,
        primaryAddress: addr(v.family === 4 ? "192.0.2.2" : "fe80::2"),
      });
      expect(validateAdvert(a, config, false)).toBeNull();
    });

    test("the captured IP header says TTL/hop limit 255 and protocol 112", () => {
      const ip = Buffer.from(v.ipHeaderHex, "hex");
      if (v.family === 4) expect([ip[8], ip[9]]).toEqual([255, 112]);
      else expect([ip[7], ip[6]]).toEqual([255, 112]);
      expect(v.ttl).toBe(255);
    });
  });
}
