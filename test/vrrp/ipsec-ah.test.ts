// VRRPv2 inside IPsec AH (keepalived's auth_type AH): the datagram vipd builds, the checks a receiving instance
// makes (ICV, SPI, sequence number) and keepalived's sequence-number rules. The byte-for-byte comparison with
// keepalived's own adverts is in test/golden/ah-golden.test.ts.

import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { passwordAuthData } from "../../src/vrrp/advert.ts";
import { AUTH_AH, AUTH_NONE, IPPROTO_AH } from "../../src/vrrp/constants.ts";
import type { Effect } from "../../src/vrrp/effects.ts";
import type { InstanceConfig } from "../../src/vrrp/instance-config.ts";
import { AH_HEADER_LENGTH, IpsecAh } from "../../src/vrrp/ipsec-ah.ts";
import { VrrpNode } from "../../src/vrrp/node.ts";
import { instance, ip } from "./fixtures.ts";

const GROUP = ip("224.0.0.18");

function ahInstance(primary: string, priority: number, password = "Aa123456", more: Partial<InstanceConfig> = {}): InstanceConfig {
  return instance({
    version: 2,
    priority,
    primaryAddress: ip(primary),
    authType: AUTH_AH,
    authData: passwordAuthData(password),
    ...more,
  });
}

/** One node with one instance, its adverts written as the driver writes them. */
class Side {
  readonly node: VrrpNode;
  now = 0;
  readonly buffer = new Uint8Array(1500);

  constructor(readonly config: InstanceConfig) {
    this.node = new VrrpNode({ instances: [config], syncGroups: [] });
  }

  get router() {
    return this.node.router(this.config.name)!;
  }

  handle(event: Parameters<VrrpNode["handle"]>[0]): Effect[] {
    const out: Effect[] = [];
    this.node.handle(event, this.now, out);
    return out;
  }

  /** A copy of the datagram this side sends with `priority` (the driver's one round, one destination). */
  advert(priority: number, dst = GROUP): Uint8Array {
    const length = this.router.writeAdvert(this.buffer, priority, this.config.primaryAddress, dst);
    return this.buffer.slice(0, length);
  }

  deliver(datagram: Uint8Array, protocol = IPPROTO_AH): Effect[] {
    const ihl = (datagram[0]! & 0x0f) * 4;
    return this.handle({
      type: "AdvertReceived",
      interface: this.config.interface,
      family: 4,
      packet: datagram,
      offset: ihl,
      length: datagram.length - ihl,
      src: datagram.slice(12, 16),
      dst: datagram.slice(16, 20),
      ttl: datagram[8]!,
      ipProtocol: protocol,
      ipOffset: 0,
    });
  }

  rejects() {
    return Object.fromEntries(Object.entries(this.router.stats.rejects).filter(([, n]) => n > 0));
  }
}

/** Sums the VRRP message (after IP and AH headers) again after a test changed it. */
function fixVrrpChecksum(d: Uint8Array): void {
  d[50] = 0;
  d[51] = 0;
  let sum = 0;
  for (let i = 44; i < d.length; i += 2) sum += (d[i]! << 8) | (d[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  d[50] = (~sum >> 8) & 0xff;
  d[51] = ~sum & 0xff;
}

const seqOf = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset).getUint32(28);
const ipIdOf = (d: Uint8Array) => (d[4]! << 8) | d[5]!;

/** The ICV computed independently (OpenSSL's HMAC-MD5) the way vrrp_ipsecah.c's callers do. */
function expectedIcv(datagram: Uint8Array, password: string, unicast: boolean): string {
  const copy = datagram.slice();
  copy[1] = 0; // TOS
  copy[6] = 0; // fragment field
  copy[7] = 0;
  copy[10] = 0; // header checksum
  copy[11] = 0;
  if (unicast) copy[8] = 0; // TTL
  copy.fill(0, 32, 44);
  return createHmac("md5", passwordAuthData(password)).update(copy).digest().subarray(0, 12).toString("hex");
}

describe("the datagram vipd sends", () => {
  const a = new Side(ahInstance("192.0.2.1", 150));
  const d = a.advert(150);

  test("IPv4 header with protocol 51, then AH carrying VRRP, then a VRRPv2 advert of auth type 2 with zero auth data", () => {
    expect(d.length).toBe(20 + 24 + 20);
    expect([...d.subarray(0, 2)]).toEqual([0x45, 0xc0]);
    expect((d[2]! << 8) | d[3]!).toBe(d.length);
    expect([d[6], d[7], d[8], d[9]]).toEqual([0, 0, 255, IPPROTO_AH]);
    expect([...d.subarray(12, 20)]).toEqual([192, 0, 2, 1, 224, 0, 0, 18]);
    expect([d[20], d[21], d[22], d[23]]).toEqual([112, 4, 0, 0]); // next header VRRP, payload length 4
    expect([...d.subarray(24, 28)]).toEqual([192, 0, 2, 1]); // SPI: the source address
    expect(seqOf(d)).toBe(1);
    expect(ipIdOf(d)).toBe(1);
    expect([d[44], d[45], d[46], d[47], d[48], d[49]]).toEqual([0x21, 51, 150, 1, AUTH_AH, 1]);
    expect([...d.subarray(56, 64)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test("the ICV is HMAC-MD5-96 over the datagram with TOS, fragment field, checksum and ICV zeroed", () => {
    expect(Buffer.from(d.subarray(32, 44)).toString("hex")).toBe(expectedIcv(d, "Aa123456", false));
  });

  test("the IP header checksum is valid", () => {
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (d[i]! << 8) | d[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
  });

  test("each advert steps the sequence number and IP id; the copies for further unicast peers share them", () => {
    const u = new Side(ahInstance("192.0.2.1", 150, "Aa123456", { unicastPeers: [ip("192.0.2.2"), ip("192.0.2.3")] }));
    const b = u.buffer;
    u.router.writeAdvert(b, 150, ip("192.0.2.1"), ip("192.0.2.2"));
    expect([seqOf(b), ipIdOf(b)]).toEqual([1, 1]);
    const first = Buffer.from(b.subarray(32, 44)).toString("hex");
    const length = u.router.writeAdvert(b, 150, ip("192.0.2.1"), ip("192.0.2.3"), true);
    expect([seqOf(b), ipIdOf(b)]).toEqual([1, 1]);
    expect(Buffer.from(b.subarray(32, 44)).toString("hex")).not.toBe(first); // another destination, another ICV
    // Unicast instances hash the TTL as zero (keepalived's rule), so a router on the way may lower it.
    expect(Buffer.from(b.subarray(32, 44)).toString("hex")).toBe(expectedIcv(b.slice(0, length), "Aa123456", true));
    u.router.writeAdvert(b, 150, ip("192.0.2.1"), ip("192.0.2.2"));
    expect([seqOf(b), ipIdOf(b)]).toEqual([2, 2]);
  });
});

describe("an AH instance receiving", () => {
  test("accepts its peer's adverts, each once: a second copy is a replay", () => {
    const master = new Side(ahInstance("192.0.2.2", 200));
    const backup = new Side(ahInstance("192.0.2.1", 100));
    backup.handle({ type: "Startup" });
    const d = master.advert(200);
    backup.deliver(d);
    expect(backup.rejects()).toEqual({});
    expect(backup.router.masterAddressString()).toBe("192.0.2.2");
    backup.deliver(d);
    expect(backup.rejects()).toEqual({ "ah-replay": 1 });
    backup.deliver(master.advert(200));
    expect(backup.rejects()).toEqual({ "ah-replay": 1 });
  });

  test("rejects another key's adverts as ah-bad-icv, and any changed byte the same way", () => {
    const backup = new Side(ahInstance("192.0.2.1", 100));
    backup.handle({ type: "Startup" });
    backup.deliver(new Side(ahInstance("192.0.2.2", 200, "wrong")).advert(200));
    expect(backup.rejects()).toEqual({ "ah-bad-icv": 1 });
    const d = new Side(ahInstance("192.0.2.2", 200)).advert(200);
    d[46] = 201; // priority, with a right VRRP checksum: only the ICV can tell
    fixVrrpChecksum(d);
    backup.deliver(d);
    expect(backup.rejects()).toEqual({ "ah-bad-icv": 2 });
    expect(backup.router.masterAddressString()).toBeNull();
  });

  test("a multicast instance hashes the TTL: a datagram whose TTL changed fails (it is also not 255)", () => {
    const backup = new Side(ahInstance("192.0.2.1", 100));
    backup.handle({ type: "Startup" });
    const d = new Side(ahInstance("192.0.2.2", 200)).advert(200);
    d[8] = 254;
    backup.deliver(d);
    expect(backup.rejects()).toEqual({ "bad-ttl": 1 });
  });

  test("rejects a malformed AH header: too short, not carrying VRRP, another payload length, SPI not the sender", () => {
    const backup = new Side(ahInstance("192.0.2.1", 100));
    backup.handle({ type: "Startup" });
    const good = new Side(ahInstance("192.0.2.2", 200)).advert(200);
    const short = good.slice(0, 20 + AH_HEADER_LENGTH + 4);
    short[3] = short.length;
    backup.deliver(short);
    const udp = good.slice();
    udp[20] = 17;
    backup.deliver(udp);
    const longer = good.slice();
    longer[21] = 5;
    backup.deliver(longer);
    // A right ICV over a wrong SPI: the SPI check is its own.
    const spi = good.slice();
    spi[27] = 9;
    spi.set(Buffer.from(expectedIcv(spi, "Aa123456", false), "hex"), 32);
    backup.deliver(spi);
    expect(backup.rejects()).toEqual({ "ah-malformed": 4 });
  });

  test("adverts with and without AH do not mix: each is an auth type mismatch for the other kind of instance", () => {
    const ah = new Side(ahInstance("192.0.2.1", 100));
    ah.handle({ type: "Startup" });
    // A plain VRRP datagram claiming auth type 2.
    const plain = new Side(ahInstance("192.0.2.2", 200)).advert(200);
    const vrrp = new Uint8Array(20 + 20);
    vrrp.set(plain.subarray(0, 20));
    vrrp.set(plain.subarray(44), 20);
    vrrp[9] = 112;
    ah.deliver(vrrp, 112);
    expect(ah.rejects()).toEqual({ "auth-type-mismatch": 1 });

    const none = new Side(instance({ version: 2, priority: 100, authType: AUTH_NONE }));
    none.handle({ type: "Startup" });
    const datagram = plain.slice();
    datagram[48] = AUTH_NONE; // even when the advert inside says "no authentication"
    fixVrrpChecksum(datagram);
    none.deliver(datagram);
    expect(none.rejects()).toEqual({ "auth-type-mismatch": 1 });
  });
});

describe("keepalived's sequence-number rules", () => {
  test("a backup that takes over continues above the last master's number", () => {
    const master = new Side(ahInstance("192.0.2.2", 200));
    const backup = new Side(ahInstance("192.0.2.1", 100));
    backup.handle({ type: "Startup" });
    let d = master.advert(200);
    for (let i = 0; i < 5; i++) {
      d = master.advert(200);
      backup.deliver(d);
    }
    expect(seqOf(d)).toBe(6);
    backup.now = 10_000; // the master went silent
    backup.handle({ type: "TimerFired" });
    expect(backup.router.state).toBe("MASTER");
    expect(seqOf(backup.advert(100))).toBe(7);
  });

  test("a MASTER hearing a lower-priority master continues one above that router's number", () => {
    const high = new Side(ahInstance("192.0.2.2", 200, "Aa123456", { priority: 255 }));
    high.handle({ type: "Startup" });
    expect(high.router.state).toBe("MASTER");
    const low = new Side(ahInstance("192.0.2.1", 100));
    for (let i = 0; i < 40; i++) low.advert(100);
    const lower = low.advert(100);
    expect(seqOf(lower)).toBe(41);
    high.deliver(lower);
    expect(high.rejects()).toEqual({});
    expect(seqOf(high.advert(255))).toBe(43);
  });

  test("the counter stops at 0xfffffffe (cycled) and restarts from 1 the next time the instance becomes MASTER", () => {
    const ah = new IpsecAh(passwordAuthData("Aa123456"));
    const fields = {
      version: 2 as const,
      vrid: 51,
      priority: 100,
      advertIntervalCs: 100,
      addresses: [ip("192.0.2.100")],
      authType: AUTH_AH,
      authData: new Uint8Array(8),
    };
    const out = new Uint8Array(100);
    ah.seq = 0xfffffffd;
    ah.encode(out, fields, ip("192.0.2.1"), GROUP, false, true);
    expect([seqOf(out), ah.cycled]).toEqual([0xfffffffe, false]);
    ah.encode(out, fields, ip("192.0.2.1"), GROUP, false, true);
    expect([seqOf(out), ah.cycled]).toEqual([0xfffffffe, true]);
    ah.becomingMaster();
    ah.encode(out, fields, ip("192.0.2.1"), GROUP, false, true);
    expect([seqOf(out), ah.cycled]).toEqual([1, false]);
    ah.becomingMaster(); // not cycled: the counter carries on
    ah.encode(out, fields, ip("192.0.2.1"), GROUP, false, true);
    expect(seqOf(out)).toBe(2);
  });

  test("a reload keeps the counter and takes the new key", () => {
    const a = new Side(ahInstance("192.0.2.1", 150));
    a.advert(150);
    a.advert(150);
    a.router.reconfigure(ahInstance("192.0.2.1", 150, "newpass"), 0);
    const d = a.advert(150);
    expect(seqOf(d)).toBe(3);
    expect(Buffer.from(d.subarray(32, 44)).toString("hex")).toBe(expectedIcv(d, "newpass", false));
  });
});
