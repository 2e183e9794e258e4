// What every VrrpTransportFactory must do, written once and run on two hosts joined by one link: two FakeLan hosts
// (test/adapters/fakes.test.ts) and the raw sockets in two namespaces joined by a veth, one agent in each
// (test/netns/port-contracts.test.ts). The two ends may live in other processes, so the contract sees them through
// an async view (TransportHost); localTransportHost() gives that view of a factory in this process.
// Returns the failures, [] when it holds.
import type { PacketHandler, TransportStats, VrrpTransportFactory, VrrpTransportOptions } from "../../src/adapters/vrrp-transport.ts";
import { AUTH_AH, IPPROTO_AH, VRRP_MCAST_GROUP_V4, VRRP_MCAST_GROUP_V6 } from "../../src/vrrp/constants.ts";
import { IpsecAh } from "../../src/vrrp/ipsec-ah.ts";
import { encodeAdvert } from "../../src/vrrp/advert.ts";
import { formatIp, type IpFamily, parseIp } from "../../src/vrrp/ip-address.ts";
import { waitFor } from "../wait-for.ts";

/** A received packet copied out of the callback (the transport reuses its buffers), addresses and bytes as text. */
export interface PacketCopy {
  family: IpFamily;
  ifindex: number;
  src: string;
  dst: string;
  ttl: number;
  hex: string;
  /** IPv4: the protocol of the datagram and all of it (header included), as delivered. */
  ipProtocol?: number;
  datagramHex?: string;
}

/** One open transport as the contract sees it. */
export interface TransportEnd {
  readonly family: IpFamily;
  readonly ifname: string;
  readonly ifindex: number;
  readonly source: Uint8Array;
  /** Rejects with the transport's error (its `code` kept) when send() throws. */
  send(bytes: Uint8Array, dst: Uint8Array, ttl?: number): Promise<void>;
  stats(): Promise<TransportStats>;
  /** Every packet delivered to the callback so far, in order. */
  received(): PacketCopy[];
  /** Everything its onHealth was told so far, in order. */
  health(): HealthReport[];
  close(): Promise<void>;
}

export interface HealthReport {
  receiving: boolean;
  reason: string;
}

export interface TransportHost {
  open(options: VrrpTransportOptions): Promise<TransportEnd>;
}

export interface TransportLink {
  a: TransportHost;
  b: TransportHost;
  /** The interface's name, the same on both hosts. */
  ifname: string;
  /** How long a packet may take to arrive. */
  deliveryMs: number;
  /** How long the contract waits before deciding that no (further) packet will arrive. */
  quietMs: number;
  /** Sets the interface of host b down or up (`ip link set`). */
  setLinkB(state: "up" | "down"): Promise<void>;
  /** How long a transport may take to hear again once its link is back up. */
  recoverMs: number;
}

export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** The contract's view of a transport factory in this process. */
export function localTransportHost(factory: VrrpTransportFactory): TransportHost {
  return {
    async open(options) {
      const received: PacketCopy[] = [];
      const health: HealthReport[] = [];
      const onPacket: PacketHandler = (p) =>
        received.push({
          family: p.family,
          ifindex: p.ifindex,
          src: formatIp(p.src),
          dst: formatIp(p.dst),
          ttl: p.ttl,
          hex: hexOf(p.packet.subarray(p.offset, p.offset + p.length)),
          ipProtocol: p.ipProtocol,
          datagramHex: p.ipOffset !== undefined && p.ipOffset >= 0 ? hexOf(p.packet.subarray(p.ipOffset, p.offset + p.length)) : undefined,
        });
      const t = factory.open({ ...options, onHealth: (receiving, reason) => health.push({ receiving, reason }) }, onPacket);
      return {
        family: t.family,
        ifname: t.ifname,
        ifindex: t.ifindex,
        source: t.source,
        send: async (bytes, dst, ttl) => t.send(bytes, bytes.length, dst, ttl),
        stats: async () => ({ ...t.stats }),
        received: () => received,
        health: () => health,
        close: () => t.close(),
      };
    },
  };
}

const isLinkLocal = (a: Uint8Array): boolean => a.length === 16 && a[0] === 0xfe && (a[1]! & 0xc0) === 0x80;

async function rejection(action: () => Promise<void>): Promise<string | null> {
  try {
    await action();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return null;
}

export async function vrrpTransportContract(link: TransportLink, family: IpFamily): Promise<string[]> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(`IPv${family}: ${what}`);
  };
  const group = parseIp(family === 4 ? VRRP_MCAST_GROUP_V4 : VRRP_MCAST_GROUP_V6)!;
  const options = { ifname: link.ifname, family };
  const ends: TransportEnd[] = [];
  try {
    const a = await link.a.open(options);
    ends.push(a);
    const b = await link.b.open(options);
    ends.push(b);
    for (const [name, end] of [
      ["a", a],
      ["b", b],
    ] as const) {
      check(end.family === family && end.ifname === link.ifname, `${name} reports the family and interface name it was opened with`);
      check(end.source.length === (family === 4 ? 4 : 16), `${name}'s source is an IPv${family} address`);
      // RFC 5798 §5.1.2.1: IPv6 adverts come from the interface's link-local address.
      if (family === 6) check(isLinkLocal(end.source), `${name}'s default source ${formatIp(end.source)} is link-local`);
    }
    const other = await link.a.open({ ifname: link.ifname, family: family === 4 ? 6 : 4 });
    ends.push(other);
    check(other.ifindex === a.ifindex, "both families' transports on one interface report the same ifindex");
    await other.close();

    // A real advert: the IPv6 socket has the kernel fill the checksum (IPV6_CHECKSUM), which leaves a right one as is.
    const buf = new Uint8Array(64);
    const advert = (dst: Uint8Array, priority: number) => {
      const fields = {
        version: 3 as const,
        vrid: 42,
        priority,
        advertIntervalCs: 100,
        addresses: [a.source],
        authType: 0,
        authData: new Uint8Array(8),
      };
      return buf.slice(0, encodeAdvert(buf, fields, family, a.source, dst));
    };
    const [aStats0, bStats0] = [await a.stats(), await b.stats()];

    const toGroup = advert(group, 100);
    await a.send(toGroup, group);
    check(await waitFor(() => b.received().length >= 1, link.deliveryMs), "multicast to the group reaches the other end");
    const got = b.received()[0];
    if (got) {
      check(
        got.family === family && got.ifindex === b.ifindex,
        `delivered as IPv${got.family} on ifindex ${got.ifindex}, want ${b.ifindex}`,
      );
      check(got.src === formatIp(a.source), `multicast src ${got.src}, want the sender's source ${formatIp(a.source)}`);
      check(got.dst === formatIp(group), `multicast dst ${got.dst}, want the group`);
      check(got.ttl === 255, `multicast TTL / hop limit ${got.ttl}, want 255`);
      check(got.hex === hexOf(toGroup), "the VRRP bytes arrive intact");
    }

    const toPeer = advert(b.source, 101);
    await a.send(toPeer, b.source);
    check(await waitFor(() => b.received().length >= 2, link.deliveryMs), "unicast to the peer's source reaches it");
    const uni = b.received()[1];
    if (uni) {
      check(uni.src === formatIp(a.source) && uni.dst === formatIp(b.source), `unicast arrives ${uni.src} → ${uni.dst}`);
      check(uni.hex === hexOf(toPeer), "unicast VRRP bytes arrive intact");
      // RFC 5798 §5.1.1.3 sets 255 for every advert; only receivers of unicast do not insist on it.
      check(uni.ttl === 255, `unicast TTL / hop limit ${uni.ttl}, want 255`);
    }
    // unicast_ttl: a TTL / hop limit of the sender's choice, for this packet only.
    await a.send(toPeer, b.source, 7);
    check(await waitFor(() => b.received().length >= 3, link.deliveryMs), "unicast with a TTL of its own reaches the peer");
    check(b.received()[2]?.ttl === 7, `unicast sent with TTL 7 arrives with ${b.received()[2]?.ttl}`);
    await a.send(toPeer, b.source);
    check(await waitFor(() => b.received().length >= 4, link.deliveryMs), "the next unicast reaches the peer");
    check(b.received()[3]?.ttl === 255, `the next send is back to 255, got ${b.received()[3]?.ttl}`);
    await Bun.sleep(link.quietMs);
    check(b.received().length === 4, `one packet per send (got ${b.received().length} for 4)`);
    check(a.received().length === 0, "a transport never receives what it sent itself");

    const [aStats, bStats] = [await a.stats(), await b.stats()];
    check(aStats.sent - aStats0.sent === 4 && aStats.sendErrors === aStats0.sendErrors, "stats.sent counts the sender's packets");
    check(
      bStats.received - bStats0.received === 4 && bStats.malformed === bStats0.malformed,
      "stats.received counts the receiver's packets",
    );

    // A link flap on b's side. IPv6 receives on an AF_PACKET socket, which the kernel unhooks from a link going down
    // (its reader gets ENETDOWN): the transport says it is deaf, then re-binds once the link is up. The IPv4 raw
    // socket stays hooked and the kernel joins the group again by itself: it has nothing to report.
    await link.setLinkB("down");
    if (family === 6) {
      check(
        await waitFor(() => b.health().some((h) => !h.receiving), link.deliveryMs),
        "onHealth(false) when the link goes down under an IPv6 transport",
      );
    }
    await link.setLinkB("up");
    const healed = await waitFor(() => b.health().length === 0 || b.health().at(-1)!.receiving, link.recoverMs);
    const reports = b.health().map((h) => `${h.receiving}: ${h.reason}`);
    check(healed, `onHealth(true) within ${link.recoverMs} ms of the link coming back (reports: ${reports.join(" | ") || "none"})`);
    check(
      b.health().every((h, i) => h.receiving === (i % 2 === 1) && h.reason.includes(link.ifname)),
      `onHealth alternates false/true, naming the interface (reports: ${reports.join(" | ")})`,
    );
    const beforeFlapSend = b.received().length;
    // The interval between sends lets a transport whose backoff is still running catch up.
    let heard = false;
    for (let i = 0; i < 10 && !heard; i++) {
      await a.send(advert(group, 103), group);
      heard = await waitFor(() => b.received().length > beforeFlapSend, link.recoverMs / 10);
    }
    check(heard, "after a link flap, multicast reaches the transport again");
    check((await b.stats()).malformed === bStats0.malformed, "nothing malformed across the flap");

    const afterFlap = b.received().length;
    await b.close();
    await b.close();
    await a.send(advert(group, 102), group);
    await Bun.sleep(link.quietMs);
    check(b.received().length === afterFlap, "a closed transport receives nothing");
    const afterClose = await rejection(() => b.send(toGroup, group));
    check(afterClose === "EBADF", `send() after close() fails with EBADF (got ${afterClose ?? "success"})`);
  } catch (e) {
    failures.push(`IPv${family}: ${(e as Error).message}`);
  } finally {
    for (const end of ends) await end.close().catch((e) => failures.push(`IPv${family}: close(): ${(e as Error).message}`));
  }
  return failures;
}

/**
 * IPsec AH transports (IPv4, keepalived's auth_type AH): the datagram given to send() leaves as built (the ICV
 * covers its header) and reaches the other end's AH transport whole, marked IPPROTO_AH; plain VRRP transports and AH
 * ones never hear each other.
 */
export async function vrrpTransportAhContract(link: TransportLink): Promise<string[]> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(`AH: ${what}`);
  };
  const group = parseIp(VRRP_MCAST_GROUP_V4)!;
  const ends: TransportEnd[] = [];
  try {
    const a = await link.a.open({ ifname: link.ifname, family: 4, ipsecAh: true });
    ends.push(a);
    const aPlain = await link.a.open({ ifname: link.ifname, family: 4 });
    ends.push(aPlain);
    const b = await link.b.open({ ifname: link.ifname, family: 4, ipsecAh: true });
    ends.push(b);
    const bPlain = await link.b.open({ ifname: link.ifname, family: 4 });
    ends.push(bPlain);

    const ah = new IpsecAh(new Uint8Array([65, 104, 0, 0, 0, 0, 0, 0]));
    const buf = new Uint8Array(128);
    const fields = {
      version: 2 as const,
      vrid: 43,
      priority: 100,
      advertIntervalCs: 100,
      addresses: [a.source],
      authType: AUTH_AH,
      authData: new Uint8Array(8),
    };
    const datagram = (dst: Uint8Array) => buf.slice(0, ah.encode(buf, fields, a.source, dst, !sameBytes(dst, group), true));

    const toGroup = datagram(group);
    await a.send(toGroup, group);
    check(
      await waitFor(() => b.received().length >= 1, link.deliveryMs),
      "an AH datagram to the group reaches the other end's AH transport",
    );
    const got = b.received()[0];
    if (got) {
      check(got.ipProtocol === IPPROTO_AH, `delivered with protocol ${got.ipProtocol}, want ${IPPROTO_AH}`);
      check(
        got.src === formatIp(a.source) && got.dst === formatIp(group) && got.ttl === 255,
        `arrives ${got.src} → ${got.dst} TTL ${got.ttl}`,
      );
      check(got.datagramHex === hexOf(toGroup), "the datagram arrives byte for byte as built (IP header included)");
      check(got.hex === hexOf(toGroup.subarray(20)), "the payload handed over starts with the AH header");
    }
    const toPeer = datagram(b.source);
    await a.send(toPeer, b.source);
    check(await waitFor(() => b.received().length >= 2, link.deliveryMs), "an AH datagram to the peer's address reaches it");
    check(b.received()[1]?.datagramHex === hexOf(toPeer), "the unicast datagram arrives as built");

    const plain = new Uint8Array(64);
    const plainLength = encodeAdvert(plain, { ...fields, version: 3, authType: 0 }, 4, a.source, group);
    await aPlain.send(plain.slice(0, plainLength), group);
    check(await waitFor(() => bPlain.received().length >= 1, link.deliveryMs), "plain VRRP still reaches the plain transport");
    await Bun.sleep(link.quietMs);
    check(b.received().length === 2, `the AH transport hears only AH (${b.received().length} packets, want 2)`);
    check(bPlain.received().length === 1, `the plain transport hears no AH (${bPlain.received().length} packets, want 1)`);
    check((await b.stats()).malformed === 0 && (await bPlain.stats()).malformed === 0, "nothing counted malformed");
  } catch (e) {
    failures.push(`AH: ${(e as Error).message}`);
  } finally {
    for (const end of ends) await end.close().catch((e) => failures.push(`AH: close(): ${(e as Error).message}`));
  }
  return failures;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
