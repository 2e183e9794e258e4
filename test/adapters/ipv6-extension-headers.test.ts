// IPv6 extension headers in front of VRRP (#12 item 9): the receive filter lets them through instead of dropping
// them unseen, and the packet walk treats them as the kernel does before keepalived's raw socket sees a packet:
// hop-by-hop and destination options and a spent routing header are stepped over (accepted), a routing header with
// segments left or a fragment is dropped under its reason, for the core to count.
import { describe, expect, test } from "bun:test";
import * as C from "../../ffi/constants.ts";
import { VRRP6_RECEIVE_FILTER } from "../../src/adapters/linux/bpf-vrrp6.ts";
import { forEachIpv6Packet } from "../../src/adapters/linux/ip-datagrams.ts";
import type { ReceivedPacket } from "../../src/adapters/vrrp-transport.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { seededRandom } from "../fuzz.ts";
import { runBpf } from "./bpf-interpreter.ts";

const VRRP = 112;
const ICMPV6 = 58;
const UDP = 17;
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DEST_OPTS = 60;
/** A VRRPv3 advert's first bytes: version/type, VRID 51, priority 100, 1 address ... */
const ADVERT = [0x31, 51, 100, 1, 0, 100, 0xab, 0xcd, ...parseIp("2001:db8::100")!];

/** An extension header: `next`, then its length (8-byte units beyond the first 8), padded with zeros. */
function ext(next: number, units = 0, fill: number[] = []): number[] {
  const h = new Array<number>((units + 1) * 8).fill(0);
  h[0] = next;
  h[1] = units;
  fill.forEach((v, i) => {
    h[2 + i] = v;
  });
  return h;
}

function routing(next: number, segmentsLeft: number): number[] {
  return ext(next, 0, [4, segmentsLeft]);
}

function fragment(next: number, offset8: number, more: boolean): number[] {
  const field = (offset8 << 3) | (more ? 1 : 0);
  return [next, 0, field >> 8, field & 0xff, 0, 0, 0, 1];
}

function ipv6(next: number, payload: number[], hop = 255): number[] {
  return [
    0x60,
    0,
    0,
    0,
    payload.length >> 8,
    payload.length & 0xff,
    next,
    hop,
    ...parseIp("fe80::2")!,
    ...parseIp("ff02::12")!,
    ...payload,
  ];
}

function filter(packet: number[], pktType = 0): number {
  return runBpf(VRRP6_RECEIVE_FILTER, { bytes: new Uint8Array(packet), pktType });
}

describe("the receive filter passes VRRP behind extension headers", () => {
  test("plain VRRP, trimmed to 40 + payload length (Ethernet padding cut)", () => {
    expect(filter([...ipv6(VRRP, ADVERT), 0, 0, 0, 0])).toBe(40 + ADVERT.length);
  });

  test("VRRP behind hop-by-hop, destination options, routing and fragment headers", () => {
    expect(filter(ipv6(HOP_BY_HOP, [...ext(VRRP), ...ADVERT]))).toBe(40 + 8 + ADVERT.length);
    expect(filter(ipv6(DEST_OPTS, [...ext(ROUTING, 1), ...routing(VRRP, 0), ...ADVERT]))).toBe(40 + 16 + 8 + ADVERT.length);
    expect(filter(ipv6(FRAGMENT, [...fragment(VRRP, 0, true), ...ADVERT]))).toBe(40 + 8 + ADVERT.length);
    expect(filter(ipv6(FRAGMENT, [...fragment(VRRP, 3, false), 1, 2, 3, 4]))).toBe(40 + 12);
  });

  test("a chain longer than the filter walks goes to user space, which walks the rest", () => {
    const chain = [...ext(DEST_OPTS), ...ext(DEST_OPTS), ...ext(DEST_OPTS), ...ext(DEST_OPTS), ...ext(DEST_OPTS), ...ext(VRRP)];
    expect(filter(ipv6(HOP_BY_HOP, [...chain, ...ADVERT]))).toBe(40 + chain.length + ADVERT.length);
  });

  test("not VRRP, our own packets, a header past the end, a payload length past the frame: dropped in the kernel", () => {
    // MLD reports carry a hop-by-hop header too: they must not wake the daemon.
    expect(filter(ipv6(HOP_BY_HOP, [...ext(ICMPV6), 143, 0, 0, 0]))).toBe(0);
    expect(filter(ipv6(UDP, ADVERT))).toBe(0);
    expect(filter(ipv6(FRAGMENT, [...fragment(UDP, 3, false), 1, 2, 3, 4]))).toBe(0);
    expect(filter(ipv6(VRRP, ADVERT), C.PACKET_OUTGOING)).toBe(0);
    expect(filter(ipv6(HOP_BY_HOP, [VRRP]))).toBe(0);
    const long = ipv6(VRRP, ADVERT);
    long[5] = long[5]! + 1;
    expect(filter(long)).toBe(0);
  });
});

describe("the packet walk: accepted, or dropped under a reason the core counts", () => {
  function walk(...packets: number[][]) {
    const out: ReceivedPacket = {
      family: 6,
      ifindex: 2,
      src: new Uint8Array(16),
      dst: new Uint8Array(16),
      ttl: 0,
      packet: new Uint8Array(0),
      offset: 0,
      length: 0,
    };
    const counters = { malformed: 0, extensionHeaders: 0 };
    const seen: { drop: string | null; vrid: number | null; length: number; ttl: number }[] = [];
    forEachIpv6Packet(new Uint8Array(packets.flat()), out, counters, (p) =>
      seen.push({ drop: p.drop ?? null, vrid: p.length >= 2 ? p.packet[p.offset + 1]! : null, length: p.length, ttl: p.ttl }),
    );
    return { seen, ...counters };
  }

  test("hop-by-hop, destination options, a spent routing header, an atomic fragment: stepped over, the advert accepted", () => {
    const r = walk(
      ipv6(HOP_BY_HOP, [...ext(VRRP, 1), ...ADVERT]),
      ipv6(DEST_OPTS, [...ext(ROUTING), ...routing(VRRP, 0), ...ADVERT]),
      ipv6(FRAGMENT, [...fragment(VRRP, 0, false), ...ADVERT]),
      ipv6(VRRP, ADVERT, 64),
    );
    expect(r.seen).toEqual([
      { drop: null, vrid: 51, length: ADVERT.length, ttl: 255 },
      { drop: null, vrid: 51, length: ADVERT.length, ttl: 255 },
      { drop: null, vrid: 51, length: ADVERT.length, ttl: 255 },
      { drop: null, vrid: 51, length: ADVERT.length, ttl: 64 },
    ]);
    expect(r.extensionHeaders).toBe(3);
    expect(r.malformed).toBe(0);
  });

  test("fragments: ipv6-fragment, by VRID when the fragment starts with the advert", () => {
    const r = walk(
      ipv6(FRAGMENT, [...fragment(VRRP, 0, true), ...ADVERT.slice(0, 16)]),
      ipv6(FRAGMENT, [...fragment(VRRP, 2, false), 1, 2, 3, 4]),
    );
    expect(r.seen).toEqual([
      { drop: "ipv6-fragment", vrid: 51, length: 16, ttl: 255 },
      { drop: "ipv6-fragment", vrid: null, length: 0, ttl: 255 },
    ]);
    expect(r.extensionHeaders).toBe(0);
  });

  test("a routing header with segments left, hop-by-hop not first, a header past the end: ipv6-extension-header", () => {
    const r = walk(
      ipv6(ROUTING, [...routing(VRRP, 2), ...ADVERT]),
      ipv6(DEST_OPTS, [...ext(HOP_BY_HOP), ...ext(VRRP), ...ADVERT]),
      ipv6(HOP_BY_HOP, ext(VRRP, 4).slice(0, 16)),
    );
    expect(r.seen).toEqual([
      { drop: "ipv6-extension-header", vrid: 51, length: ADVERT.length, ttl: 255 },
      { drop: "ipv6-extension-header", vrid: null, length: 0, ttl: 255 },
      { drop: "ipv6-extension-header", vrid: null, length: 0, ttl: 255 },
    ]);
  });

  test("a chain ending in another protocol is not VRRP: counted as malformed, never handed over", () => {
    const r = walk(ipv6(HOP_BY_HOP, [...ext(ICMPV6), 143, 0, 0, 0]), ipv6(VRRP, ADVERT));
    expect(r.seen).toHaveLength(1);
    expect(r.malformed).toBe(1);
  });
});

test("mutated chunks (lengths, next headers, any byte): never thrown, every handed-over packet inside its chunk", () => {
  const rnd = seededRandom(0x1d6);
  const seed = [
    ...ipv6(HOP_BY_HOP, [...ext(DEST_OPTS, 1), ...ext(VRRP), ...ADVERT]),
    ...ipv6(FRAGMENT, [...fragment(VRRP, 0, true), ...ADVERT]),
    ...ipv6(ROUTING, [...routing(VRRP, 1), ...ADVERT]),
    ...ipv6(VRRP, ADVERT),
  ];
  const out: ReceivedPacket = {
    family: 6,
    ifindex: 2,
    src: new Uint8Array(16),
    dst: new Uint8Array(16),
    ttl: 0,
    packet: new Uint8Array(0),
    offset: 0,
    length: 0,
  };
  const reasons = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const chunk = Uint8Array.from(seed);
    for (let m = 1 + Math.floor(rnd() * 3); m > 0; m--) chunk[Math.floor(rnd() * chunk.length)] = Math.floor(rnd() * 256);
    const counters = { malformed: 0, extensionHeaders: 0 };
    forEachIpv6Packet(chunk, out, counters, (p) => {
      expect(p.offset >= 0 && p.length >= 0 && p.offset + p.length <= chunk.length).toBe(true);
      reasons.set(p.drop ?? "accepted", (reasons.get(p.drop ?? "accepted") ?? 0) + 1);
    });
  }
  expect([...reasons.keys()].sort()).toEqual(["accepted", "ipv6-extension-header", "ipv6-fragment"]);
});
