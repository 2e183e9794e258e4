// Hostile adverts that reach the field parser (#12 item 9). Random bytes never pass the checksum, so each valid
// advert (v2 with a password, v3 over IPv4 in both checksum forms, v3 over IPv6) is mutated field by field and byte
// by byte and its checksum computed again. Every packet then goes through the node as the driver hands it over:
// nothing throws, every drop is counted under a reason, and the counts say the checks past the checksum ran.

import { describe, expect, test } from "bun:test";
import { AdvertDecoder, type ChecksumForm, encodeAdvert, passwordAuthData } from "../../src/vrrp/advert.ts";
import { addWords, finishChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from "../../src/vrrp/checksum.ts";
import { AUTH_PASS, IPPROTO_VRRP } from "../../src/vrrp/constants.ts";
import type { Effect } from "../../src/vrrp/effects.ts";
import type { AdvertReceivedEvent } from "../../src/vrrp/events.ts";
import type { InstanceConfig } from "../../src/vrrp/instance-config.ts";
import type { IpFamily } from "../../src/vrrp/ip-address.ts";
import { VrrpNode } from "../../src/vrrp/node.ts";
import { REJECT_REASONS, type RejectReason } from "../../src/vrrp/reject-reason.ts";
import { validateAdvert } from "../../src/vrrp/validate-advert.ts";
import { instance, ip } from "./fixtures.ts";
import { seededRandom } from "../fuzz.ts";

const SEED = 0x5eed12;
const PACKETS = 20_000;

interface Seed {
  config: InstanceConfig;
  src: Uint8Array;
  dst: Uint8Array;
  form: ChecksumForm;
}

const V2_PASS = instance({
  name: "v2-pass",
  version: 2,
  vrid: 51,
  authType: AUTH_PASS,
  authData: passwordAuthData("secret"),
  vips: ["192.0.2.100", "192.0.2.101"],
});
const V3_V4 = instance({ name: "v3-v4", vrid: 52, vips: ["192.0.2.110", "198.51.100.7"] });
const V3_AS_V2 = instance({ name: "v3-as-v2", vrid: 54, checksumAsV2: true, vips: ["192.0.2.120"] });
const V3_V6 = instance({ name: "v3-v6", family: 6, vrid: 53, vips: ["2001:db8::100", "2001:db8::101"] });
const UNICAST = instance({ name: "unicast", vrid: 55, unicastPeers: [ip("192.0.2.2")], vips: ["192.0.2.130"] });
const INSTANCES = [V2_PASS, V3_V4, V3_AS_V2, V3_V6, UNICAST];

const SEEDS: Seed[] = [
  { config: V2_PASS, src: ip("192.0.2.2"), dst: ip("224.0.0.18"), form: "pseudo-header" },
  { config: V3_V4, src: ip("192.0.2.2"), dst: ip("224.0.0.18"), form: "pseudo-header" },
  { config: V3_AS_V2, src: ip("192.0.2.2"), dst: ip("224.0.0.18"), form: "as-v2" },
  { config: V3_V6, src: ip("fe80::2"), dst: ip("ff02::12"), form: "pseudo-header" },
  { config: UNICAST, src: ip("192.0.2.2"), dst: ip("192.0.2.1"), form: "pseudo-header" },
];

/** A packet as the transport hands it over, before and after mutation. */
interface Packet {
  bytes: Uint8Array;
  length: number;
  family: IpFamily;
  src: Uint8Array;
  dst: Uint8Array;
  ttl: number;
  version: number;
  form: ChecksumForm;
}

function valid(seed: Seed): Packet {
  const c = seed.config;
  const bytes = new Uint8Array(600);
  const fields = { ...c, addresses: c.advertAddresses, priority: 200 };
  const length = encodeAdvert(bytes, fields, c.family, seed.src, seed.dst, seed.form);
  return { bytes, length, family: c.family, src: seed.src.slice(), dst: seed.dst.slice(), ttl: 255, version: c.version, form: seed.form };
}

function checksumOf(p: Packet, form: ChecksumForm): number {
  p.bytes[6] = 0;
  p.bytes[7] = 0;
  let sum = 0;
  if (p.version === 3 && p.family === 6) sum = pseudoHeaderSumV6(p.src, p.dst, IPPROTO_VRRP, p.length);
  else if (p.version === 3 && form === "pseudo-header") sum = pseudoHeaderSumV4(p.src, p.dst, IPPROTO_VRRP, p.length);
  return finishChecksum(addWords(p.bytes, 0, p.length, sum));
}

type Mutation = (p: Packet, rnd: () => number) => void;
const byte = (rnd: () => number) => Math.floor(rnd() * 256);
const pick = <T>(list: readonly T[], rnd: () => number): T => list[Math.floor(rnd() * list.length)]!;

/** Each changes one field (or byte) of the advert or of what the transport saw. */
const MUTATIONS: Record<string, Mutation> = {
  anyByte: (p, rnd) => {
    p.bytes[Math.floor(rnd() * p.length)] = byte(rnd);
  },
  version: (p, rnd) => {
    p.bytes[0] = (Math.floor(rnd() * 16) << 4) | (p.bytes[0]! & 0x0f);
  },
  type: (p, rnd) => {
    p.bytes[0] = (p.bytes[0]! & 0xf0) | Math.floor(rnd() * 16);
  },
  vrid: (p, rnd) => {
    p.bytes[1] = rnd() < 0.7 ? pick([51, 52, 53, 54, 55], rnd) : byte(rnd);
  },
  priority: (p, rnd) => {
    p.bytes[2] = pick([0, 1, 100, 254, 255, byte(rnd)], rnd);
  },
  count: (p, rnd) => {
    p.bytes[3] = rnd() < 0.5 ? p.bytes[3]! + pick([-1, 1], rnd) : byte(rnd);
  },
  authTypeOrIntervalHigh: (p, rnd) => {
    p.bytes[4] = rnd() < 0.5 ? pick([0, 1, 2, 3], rnd) : byte(rnd);
  },
  interval: (p, rnd) => {
    p.bytes[5] = pick([0, 1, 2, 100, 255, byte(rnd)], rnd);
  },
  address: (p, rnd) => {
    const size = p.family === 4 ? 4 : 16;
    const count = Math.max(1, p.bytes[3]!);
    p.bytes[8 + Math.floor(rnd() * count * size)] = byte(rnd);
  },
  authData: (p, rnd) => {
    p.bytes[p.length - 1 - Math.floor(rnd() * 8)] = byte(rnd);
  },
  truncate: (p, rnd) => {
    p.length = Math.floor(rnd() * p.length);
  },
  extend: (p, rnd) => {
    const extra = 1 + Math.floor(rnd() * 32);
    for (let i = 0; i < extra; i++) p.bytes[p.length + i] = byte(rnd);
    p.length += extra;
  },
  ttl: (p, rnd) => {
    p.ttl = pick([0, 1, 64, 254, byte(rnd)], rnd);
  },
  source: (p, rnd) => {
    // Ours (a looped-back advert) or a stranger's.
    p.src = rnd() < 0.5 ? ip(p.family === 4 ? "192.0.2.1" : "fe80::1") : ip(p.family === 4 ? "203.0.113.9" : "fe80::99");
  },
  destination: (p) => {
    p.dst = ip(p.family === 4 ? "192.0.2.1" : "fe80::1");
  },
  checksumForm: (p) => {
    p.form = p.form === "as-v2" ? "pseudo-header" : "as-v2";
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

/** What the core must decide for this packet: the reason it is dropped, or null (accepted). */
function expectedOutcome(decoder: AdvertDecoder, p: Packet): RejectReason | null {
  const decoded = decoder.decode(p.bytes, 0, p.length, p.family, p.src, p.dst, p.ttl);
  if (!decoded.ok) return decoded.reason;
  const config = INSTANCES.find((c) => c.family === p.family && c.vrid === decoded.advert.vrid);
  if (!config) return "vrid-unknown";
  return validateAdvert(decoded.advert, config, false);
}

describe("adverts mutated past their checksum", () => {
  test(`${PACKETS} packets: never an exception, every drop counted under a reason, the field checks reached`, () => {
    const rnd = seededRandom(SEED);
    const node = new VrrpNode({ instances: INSTANCES, syncGroups: [] });
    const out: Effect[] = [];
    let now = 1000;
    node.handle({ type: "Startup" }, now, out);
    const decoder = new AdvertDecoder();
    const expected = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
    let accepted = 0;
    for (let i = 0; i < PACKETS; i++) {
      const p = valid(pick(SEEDS, rnd));
      const mutations = 1 + Math.floor(rnd() * 2);
      for (let m = 0; m < mutations; m++) MUTATIONS[pick(MUTATION_NAMES, rnd)]!(p, rnd);
      // Most get a correct checksum again; a few keep a stale one, as random bytes would.
      if (p.length >= 8 && rnd() < 0.97) {
        const sum = checksumOf(p, p.form);
        p.bytes[6] = sum >> 8;
        p.bytes[7] = sum & 0xff;
      }
      const outcome = expectedOutcome(decoder, p);
      if (outcome === null) accepted++;
      else expected[outcome]++;
      const event: AdvertReceivedEvent = {
        type: "AdvertReceived",
        interface: "eth0",
        family: p.family,
        packet: p.bytes,
        offset: 0,
        length: p.length,
        src: p.src,
        dst: p.dst,
        ttl: p.ttl,
      };
      now += 7;
      expect(() => node.handle(event, now, out)).not.toThrow();
      node.handle({ type: "TimerFired" }, now, out);
      out.length = 0;
    }

    // Every drop the node made is counted, under the reason the decoder and the checks give, none lost.
    const counted = Object.fromEntries(REJECT_REASONS.map((r) => [r, node.rejects[r]])) as Record<RejectReason, number>;
    for (const router of node.routers) for (const r of REJECT_REASONS) counted[r] += router.stats.rejects[r];
    expect(counted).toEqual(expected);
    const drops = Object.values(counted).reduce((a, b) => a + b, 0);
    expect(drops + accepted).toBe(PACKETS);

    // The mutations got past the checksum: it is a small share of the drops, and every check after it fired.
    expect(counted["bad-checksum"]).toBeLessThan(drops * 0.1);
    const fieldLevel: RejectReason[] = [
      "truncated",
      "bad-version",
      "bad-type",
      "bad-ttl",
      "checksum-form-mismatch",
      "vrid-unknown",
      "version-mismatch",
      "address-count-mismatch",
      "address-list-mismatch",
      "auth-type-mismatch",
      "auth-mismatch",
      "interval-mismatch",
      "bad-interval",
      "own-advert",
      "not-to-group",
      "unknown-unicast-peer",
    ];
    expect(fieldLevel.filter((r) => counted[r] < 10)).toEqual([]);
    // And some mutations (a priority, an extra trailing byte) are adverts the state machine takes.
    expect(accepted).toBeGreaterThan(100);
  });
});

describe("drops the transport already decided (IPv6 fragments, extension headers)", () => {
  test("counted under their reason: on the instance its VRID names when the advert's header is there, else on the node", () => {
    const node = new VrrpNode({ instances: INSTANCES, syncGroups: [] });
    const out: Effect[] = [];
    node.handle({ type: "Startup" }, 0, out);
    const p = valid(SEEDS[3]!);
    const event = (drop: RejectReason, length: number): AdvertReceivedEvent => ({
      type: "AdvertReceived",
      interface: "eth0",
      family: 6,
      packet: p.bytes,
      offset: 0,
      length,
      src: p.src,
      dst: p.dst,
      ttl: 255,
      drop,
    });
    node.handle(event("ipv6-fragment", 16), 10, out);
    node.handle(event("ipv6-extension-header", p.length), 20, out);
    node.handle(event("ipv6-fragment", 0), 30, out);
    const v6 = node.routers.find((r) => r.name === "v3-v6")!;
    expect(v6.stats.rejects["ipv6-fragment"]).toBe(1);
    expect(v6.stats.rejects["ipv6-extension-header"]).toBe(1);
    expect(node.rejects["ipv6-fragment"]).toBe(1);
    // A valid advert with drop set is still dropped: the transport's word stands.
    expect(v6.stats.advertsReceived).toBe(0);
    const logged = out.filter((e) => e.type === "Log").map((e) => (e as { message: string }).message);
    expect(logged.some((m) => m.includes("from fe80::2") && m.includes("IPv6 fragments"))).toBe(true);
  });
});
