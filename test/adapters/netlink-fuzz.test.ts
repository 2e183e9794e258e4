// The netlink decoders fed broken messages (#12 item 9): valid rtnetlink link and address messages and the kernel's
// own IPVS answers (test/golden/ipvs-answers.json), mutated the ways a broken peer would (lengths of plain and
// nested attributes, cuts inside a nest, changed types and bytes). Never an exception; a refusal always says why;
// what is accepted is well-formed; and the outcome depends only on the message's own bytes, never on what follows
// it in the buffer.

import { describe, expect, test } from "bun:test";
import * as C from "../../ffi/constants.ts";
import { ifaddrmsg, ifinfomsg, rtattr } from "../../ffi/structs/index.ts";
import { serviceFamily } from "../../src/adapters/ipvs.ts";
import { decodeDestination, decodeInfo, decodeService, decodeTimeouts, type Decoded } from "../../src/adapters/linux/ipvs-messages.ts";
import { decodeAddress, decodeLink } from "../../src/adapters/linux/rtnl-messages.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { mutateNetlink, seededRandom } from "../fuzz.ts";
import answers from "../golden/ipvs-answers.json";

const SEED = 0x0e1112;
const PER_SEED = 1500;
const GENL_HEADER = 4;
const IFLA_TXQLEN = 13;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFA_CACHEINFO = 6;

/** The message in a larger buffer whose bytes after `end` are `fill`: a decoder must not look there. */
function placed(bytes: Uint8Array, end: number, fill: number): Uint8Array {
  const b = new Uint8Array(bytes.length + 64).fill(fill);
  b.set(bytes.subarray(0, end));
  return b;
}

function linkMessage(): Uint8Array {
  const b = new Uint8Array(256);
  ifinfomsg.encode(b, { family: 0, type: 1, index: 2, flags: C.IFF_UP | C.IFF_LOWER_UP, change: 0 });
  let at = ifinfomsg.SIZE;
  at = rtattr.putString(b, at, C.IFLA_IFNAME, "eth0");
  at = rtattr.putU32Attr(b, at, C.IFLA_MTU, 1500);
  at = rtattr.putBytes(b, at, C.IFLA_ADDRESS, new Uint8Array([2, 0, 0x5e, 0x10, 0, 0x0a]));
  const nest = at;
  at = rtattr.putString(b, rtattr.beginNested(b, at, IFLA_LINKINFO), IFLA_INFO_KIND, "veth");
  at = rtattr.endNested(b, nest, at);
  at = rtattr.putU32Attr(b, at, IFLA_TXQLEN, 1000);
  return b.slice(0, at);
}

function addressMessage(family: 4 | 6): Uint8Array {
  const b = new Uint8Array(256);
  const address = parseIp(family === 4 ? "192.0.2.1" : "fe80::1")!;
  ifaddrmsg.encode(b, {
    family: family === 4 ? C.AF_INET : C.AF_INET6,
    prefixlen: family === 4 ? 24 : 64,
    flags: C.IFA_F_PERMANENT,
    scope: family === 4 ? 0 : 253,
    index: 2,
  });
  let at = ifaddrmsg.SIZE;
  at = rtattr.putBytes(b, at, C.IFA_ADDRESS, address);
  if (family === 4) at = rtattr.putBytes(b, at, C.IFA_LOCAL, address);
  if (family === 4) at = rtattr.putString(b, at, C.IFA_LABEL, "eth0");
  at = rtattr.putU32Attr(b, at, C.IFA_FLAGS, C.IFA_F_PERMANENT);
  at = rtattr.putBytes(b, at, IFA_CACHEINFO, new Uint8Array(16).fill(0xff));
  return b.slice(0, at);
}

interface Tally {
  accepted: number;
  refused: number;
  /** Accepted, yet not what the seed decodes to: the mutation was read as a field. */
  changed: number;
  reasons: Map<string, number>;
}

/** Runs `decode` on `PER_SEED` mutations of `seed`, checking each outcome; returns the counts. */
function fuzz<T>(
  seed: Uint8Array,
  headersAt: number,
  rnd: () => number,
  decode: (b: Uint8Array, end: number) => T | null,
  refusal: (result: T | null) => string | null,
  check: (value: T) => void,
): Tally {
  const tally: Tally = { accepted: 0, refused: 0, changed: 0, reasons: new Map() };
  const original = JSON.stringify(decode(seed, seed.length));
  for (let i = 0; i < PER_SEED; i++) {
    const m = mutateNetlink(seed, headersAt, rnd);
    let zeros: T | null = null;
    let ones: T | null = null;
    const where = `${m.how} mutation ${i}: ${Buffer.from(m.bytes.subarray(0, m.end)).toString("hex")}`;
    try {
      zeros = decode(placed(m.bytes, m.end, 0), m.end);
      ones = decode(placed(m.bytes, m.end, 0xff), m.end);
    } catch (e) {
      throw new Error(`${where}: threw ${(e as Error).stack}`);
    }
    if (JSON.stringify(zeros) !== JSON.stringify(ones)) throw new Error(`${where}: the outcome depends on bytes past the message's end`);
    const reason = refusal(zeros);
    if (reason === null) {
      tally.accepted++;
      check(zeros as T);
      if (JSON.stringify(zeros) !== original) tally.changed++;
    } else {
      expect(reason.length).toBeGreaterThan(0);
      tally.refused++;
      tally.reasons.set(reason.replace(/\d+/g, "N"), (tally.reasons.get(reason.replace(/\d+/g, "N")) ?? 0) + 1);
    }
  }
  return tally;
}

const decodedRefusal = <T>(d: Decoded<T> | null) => (d === null ? "null" : d.ok ? null : d.reason);

describe("rtnetlink decoders on mutated messages", () => {
  test("links: never thrown; a decoded link has a real index", () => {
    const rnd = seededRandom(SEED);
    const t = fuzz(
      linkMessage(),
      ifinfomsg.SIZE,
      rnd,
      (b, end) => decodeLink(b, 0, end),
      (l) => (l === null ? "refused" : null),
      (link) => {
        expect(link.ifindex).toBeGreaterThan(0);
        expect(Number.isInteger(link.mtu) && link.mtu >= 0).toBe(true);
      },
    );
    expect(t.refused).toBeGreaterThan(0);
    expect(t.changed).toBeGreaterThan(100);
  });

  for (const family of [4, 6] as const) {
    test(`IPv${family} addresses: never thrown; a decoded address has its family's length, prefix and a real index`, () => {
      const rnd = seededRandom(SEED + family);
      const t = fuzz(
        addressMessage(family),
        ifaddrmsg.SIZE,
        rnd,
        (b, end) => decodeAddress(b, 0, end),
        (a) => (a === null ? "refused" : null),
        (a) => {
          const bits = a.family === 4 ? 32 : 128;
          expect(a.address.length * 8).toBe(bits);
          expect(a.prefixlen).toBeLessThanOrEqual(bits);
          expect(a.ifindex).toBeGreaterThan(0);
        },
      );
      expect(t.refused).toBeGreaterThan(100);
      expect(t.changed).toBeGreaterThan(100);
    });
  }
});

describe("IPVS decoders on the kernel's answers, mutated", () => {
  const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
  const isAddress = (a: Uint8Array) => a.length === 4 || a.length === 16;

  test("services, destinations, timeouts, info: never thrown, a reason for every refusal, the fields reached", () => {
    const rnd = seededRandom(SEED);
    const reasons = new Set<string>();
    let changed = 0;
    const collect = (t: Tally) => {
      for (const r of t.reasons.keys()) reasons.add(r);
      changed += t.changed;
    };
    for (const h of answers.services.slice(0, 4)) {
      collect(
        fuzz(
          bytes(h),
          GENL_HEADER,
          rnd,
          (b, end) => decodeService(b, 0, end),
          decodedRefusal,
          (d) => {
            if (!d.ok) return;
            const k = d.value.key;
            if (k.kind === "address") expect(isAddress(k.address) && k.port >= 0 && k.port <= 0xffff).toBe(true);
            expect(d.value.settings.persistencePrefix).toBeLessThanOrEqual(serviceFamily(k) === 4 ? 32 : 128);
          },
        ),
      );
    }
    const destinations = answers.destinations as Record<string, string[]>;
    for (const [name, dump] of Object.entries(destinations)) {
      const family = name.split(" ")[1]!.length > 8 ? 6 : 4;
      for (const h of dump.slice(0, 2)) {
        collect(
          fuzz(
            bytes(h),
            GENL_HEADER,
            rnd,
            (b, end) => decodeDestination(b, 0, end, family),
            decodedRefusal,
            (d) => {
              if (d.ok) expect(isAddress(d.value.address) && d.value.port <= 0xffff).toBe(true);
            },
          ),
        );
      }
    }
    collect(
      fuzz(
        bytes(answers.config),
        GENL_HEADER,
        rnd,
        (b, end) => decodeTimeouts(b, 0, end),
        decodedRefusal,
        () => undefined,
      ),
    );
    collect(
      fuzz(
        bytes(answers.info),
        GENL_HEADER,
        rnd,
        (b, end) => decodeInfo(b, 0, end),
        decodedRefusal,
        () => undefined,
      ),
    );

    // Past the framing: refusals name the field that was wrong, and mutated fields were read as values.
    for (const expected of [
      "malformed service attribute",
      "malformed destination attribute",
      // Counters cut short inside their nest: refused, not read as zeros.
      "malformed service statistics",
      "malformed destination statistics",
      "service address family N",
      "service protocol N",
      "destination forwarding method N",
      "answer command N, expected N",
    ]) {
      expect(reasons).toContain(expected);
    }
    expect(reasons.size).toBeGreaterThan(10);
    expect(changed).toBeGreaterThan(1000);
  });
});
