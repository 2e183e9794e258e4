// The VRRP transport between two vipd agents (no keepalived): bursts survive chunking, TTL/hop limit come from the
// received header, own packets are not looped back, unicast and configured sources work, receive latency.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Agent, type Json } from "./agent-client.ts";
import { Lab } from "./harness.ts";
import { encodeAdvert } from "../../src/vrrp/advert.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";

let lab: Lab;
let a: Agent;
let b: Agent;
const V2 = { version: 2 as const, vrid: 7, priority: 150, advertIntervalCs: 100, addresses: ["192.0.2.100"], authType: 0 };
const V3_6 = { version: 3, vrid: 8, priority: 150, advertIntervalCs: 100, addresses: ["2001:db8::100"], authType: 0 };

beforeAll(async () => {
  lab = await Lab.create({ hosts: ["a", "b", "c"], bridge: true });
  [a, b] = await Promise.all([Agent.start(lab, "a"), Agent.start(lab, "b")]);
  for (const agent of [a, b]) {
    await agent.call("open", { name: "v4", ifname: "eth0", family: 4 });
    await agent.call("open", { name: "v6", ifname: "eth0", family: 6 });
  }
}, 20_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await lab?.destroy();
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

describe.each([
  ["IPv4", "v4", V2, "224.0.0.18"],
  ["IPv6", "v6", V3_6, "ff02::12"],
] as const)("%s", (_label, name, fields, group) => {
  test("a burst of 1,000 adverts arrives whole: chunks are split into datagrams, nothing malformed", async () => {
    const from = b.lineCount;
    const before = await b.call("stats", { name });
    await a.call("send", { name, fields, dst: group, count: 1000 });
    const deadline = performance.now() + 5000;
    for (let i = 0; i < 100 && performance.now() < deadline; i++) {
      if ((await b.call("stats", { name })).received - before.received >= 1000) break;
      await Bun.sleep(50);
    }
    const after = await b.call("stats", { name });
    expect(after.received - before.received).toBe(1000);
    expect(after.malformed).toBe(0);
    const got = b.events("packet", from).filter((e) => e.transport === name);
    expect(got.length).toBe(1000);
    expect(got.every((e: Json) => e.ttl === 255 && e.decode.ok && e.decode.vrid === fields.vrid)).toBe(true);
  }, 10_000);

  test("receive latency (sender's send() to receiver's callback) p50 < 5 ms", async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const from = b.lineCount;
      const sent = await a.call("send", { name, fields, dst: group });
      const got = await b.waitEvent("packet", (e) => e.transport === name, 2000, from);
      latencies.push(got.wall - sent.wall);
      await Bun.sleep(10);
    }
    console.log(
      `${name} receive latency ms: p50 ${percentile(latencies, 0.5).toFixed(3)} p90 ${percentile(latencies, 0.9).toFixed(3)} max ${Math.max(...latencies).toFixed(3)}`,
    );
    expect(percentile(latencies, 0.5)).toBeLessThan(5);
  }, 10_000);

  test("the sender does not receive its own adverts", async () => {
    const from = a.lineCount;
    await a.call("send", { name, fields, dst: group, count: 5 });
    await b.waitEvent("packet", (e) => e.transport === name, 2000, b.lineCount - 1).catch(() => null);
    await Bun.sleep(100);
    expect(a.events("packet", from).filter((e) => e.transport === name)).toEqual([]);
  });
});

describe("header fields", () => {
  // A foreign sender (python raw socket in host c) with TTL / hop limit 1: the adapter must report it as received,
  // and the decoder must then refuse it (RFC 5798 §5.1.1.3).
  const PY = `
import socket, sys
fam = sys.argv[1]
pkt = bytes.fromhex(sys.argv[2])
if fam == "4":
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    s.setsockopt(socket.SOL_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.SOL_IP, socket.IP_MULTICAST_IF, socket.inet_aton(sys.argv[3]))
    s.sendto(pkt, ("224.0.0.18", 0))
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    s.setsockopt(socket.IPPROTO_IPV6, 7, 6)  # IPV6_CHECKSUM
    s.sendto(pkt, ("ff02::12", 0, 0, socket.if_nametoindex("eth0")))
`;
  test.each([
    ["4", "v4"],
    ["6", "v6"],
  ] as const)(
    "IPv%s: TTL / hop limit is read from the received header (a multicast instance then rejects 1 as bad-ttl)",
    async (family, name) => {
      // The v2 checksum covers no IP addresses, so it can be computed here; the v6 one is filled by the kernel
      // (IPV6_CHECKSUM), so zeros are sent.
      const buf = new Uint8Array(64);
      const len =
        family === "4"
          ? encodeAdvert(
              buf,
              { ...V2, addresses: [parseIp("192.0.2.100")!], authData: new Uint8Array(8) },
              4,
              new Uint8Array(4),
              new Uint8Array(4),
            )
          : 0;
      const pkt =
        family === "4" ? Buffer.from(buf.subarray(0, len)).toString("hex") : "3108960100640000" + "20010db8000000000000000000000100";
      const from = b.lineCount;
      const r = lab.exec("c", ["python3", "-c", PY, family, pkt, lab.ipv4("c")]);
      expect(r.stderr).toBe("");
      const e = await b.waitEvent("packet", (x) => x.transport === name, 2000, from);
      expect(e.ttl).toBe(1);
      if (family === "4") expect(e.src).toBe(lab.ipv4("c"));
    },
  );

  test("unicast to a peer (IPv4 and IPv6) carries the unicast destination and TTL 255", async () => {
    const from = b.lineCount;
    await a.call("send", { name: "v4", fields: V2, dst: lab.ipv4("b") });
    await a.call("send", { name: "v6", fields: V3_6, dst: lab.ipv6("b") });
    const e4 = await b.waitEvent("packet", (e) => e.transport === "v4", 2000, from);
    const e6 = await b.waitEvent("packet", (e) => e.transport === "v6", 2000, from);
    expect(e4).toMatchObject({ dst: lab.ipv4("b"), src: lab.ipv4("a"), ttl: 255, decode: { ok: true } });
    expect(e6).toMatchObject({ dst: lab.ipv6("b"), ttl: 255, decode: { ok: true } });
    expect(e6.src.startsWith("fe80::")).toBe(true);
  });

  test("a configured source address (mcast_src_ip) is used instead of the primary address", async () => {
    lab.must("a", ["ip", "addr", "add", "192.0.2.20/24", "dev", "eth0"]);
    const opened = await a.call("open", { name: "src", ifname: "eth0", family: 4, source: "192.0.2.20" });
    expect(opened.source).toBe("192.0.2.20");
    const from = b.lineCount;
    await a.call("send", { name: "src", fields: { ...V2, version: 3 }, dst: "224.0.0.18" });
    const e = await b.waitEvent("packet", (x) => x.transport === "v4", 2000, from);
    // v3 over IPv4 checksums the pseudo-header: it only verifies because the source really is 192.0.2.20.
    expect(e).toMatchObject({ src: "192.0.2.20", decode: { ok: true, checksumForm: "pseudo-header" } });
    await a.call("close", { name: "src" });
  });

  test("opening on an interface without an IPv4 address fails with a clear error", async () => {
    lab.must("c", ["ip", "link", "add", "dummy0", "type", "veth", "peer", "name", "dummy1"]);
    const c = await Agent.start(lab, "c");
    try {
      await expect(c.call("open", { name: "x", ifname: "dummy0", family: 4 })).rejects.toThrow(/EADDRNOTAVAIL.*no IPv4 address/);
      await expect(c.call("open", { name: "y", ifname: "nosuch0", family: 4 })).rejects.toThrow(/ENODEV/);
    } finally {
      await c.stop();
    }
  });
});

describe("a receive socket that fails heals itself", () => {
  test("opened while its interface is down, the IPv6 transport says it is deaf, and hears once the link is up", async () => {
    const c = await Agent.start(lab, "c");
    try {
      lab.linkSet("c", "eth0", "down");
      // The link-local address goes with the link: the source is configured, as unicast_src_ip would.
      const from = c.lineCount;
      await c.call("open", { name: "down6", ifname: "eth0", family: 6, source: "fe80::c" });
      await c.call("open", { name: "down4", ifname: "eth0", family: 4 });
      const deaf = await c.waitEvent("health", (e) => e.transport === "down6", 2000, from);
      expect(deaf.receiving).toBe(false);
      expect(deaf.reason).toMatch(/IPv6 VRRP receive on eth0 stopped \(.*ENETDOWN/);

      lab.linkSet("c", "eth0", "up");
      const healed = await c.waitEvent("health", (e) => e.transport === "down6" && e.receiving, 3000, from);
      expect(healed.reason).toBe("IPv6 VRRP receive on eth0 works again");
      for (const [name, fields, group] of [
        ["down6", V3_6, "ff02::12"],
        ["down4", V2, "224.0.0.18"],
      ] as const) {
        const before = c.lineCount;
        let got: Json | null = null;
        // The bridge port may take a moment to forward again after the carrier came back: a few tries, bounded.
        for (let i = 0; i < 10 && !got; i++) {
          await a.call("send", { name: name === "down6" ? "v6" : "v4", fields, dst: group });
          got = await c.waitEvent("packet", (e) => e.transport === name, 300, before).catch(() => null);
        }
        expect(got).not.toBeNull();
      }
      expect(c.events("health", from).filter((e) => e.transport === "down4")).toEqual([]);
    } finally {
      await c.stop();
    }
  }, 15_000);
});
