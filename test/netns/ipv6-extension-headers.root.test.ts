// #12 item 9: IPv6 adverts behind extension headers, or in fragments, were dropped by the receive filter and counted
// nowhere. keepalived receives through a raw IPPROTO_VRRP socket, so the kernel steps over hop-by-hop and destination
// options and a spent routing header before it sees the advert: vipd now accepts those too. What it drops (a routing
// header with segments left, fragments: never reassembled) is counted by reason in status, on the instance its VRID
// names, or on the node for a fragment that carries no VRRP header. The packets are built here and sent from a host
// without a daemon through an AF_PACKET socket (python3, as test/netns/vrrp-socket.root.test.ts does).

import { afterEach, expect, test } from "bun:test";
import { encodeAdvert } from "../../src/vrrp/advert.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { Keepalived } from "./keepalived.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VRRP = 112;
const ICMPV6 = 58;
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const GROUP = parseIp("ff02::12")!;

// Sends each packet (hex, IPv6 header on) `rounds` times, `gap` seconds apart, to the VRRP group's MAC.
const SENDER = `
import socket, sys, time
rounds, gap, packets = int(sys.argv[1]), float(sys.argv[2]), [bytes.fromhex(h) for h in sys.argv[3:]]
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x86DD))
for _ in range(rounds):
    for p in packets:
        s.sendto(p, ("eth0", 0x86DD, 0, 0, bytes.fromhex("333300000012")))
    time.sleep(gap)
`;

let cluster: VipdCluster | null = null;
let keepalived: Keepalived | null = null;
afterEach(async () => {
  await keepalived?.stop();
  keepalived = null;
  await cluster?.destroy();
  cluster = null;
});

/** A host's IPv6 link-local address, the source of everything it sends. */
function linkLocalOf(c: VipdCluster, host: string): { text: string; bytes: Uint8Array } {
  const text = c.lab.must(host, ["ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"]).match(/inet6 (fe80::[0-9a-f:]+)/)?.[1];
  if (!text) throw new Error(`${host} has no IPv6 link-local address`);
  return { text, bytes: parseIp(text)! };
}

/** Sends from `host` in the background; resolves when the sender is done. */
async function sendFrom(c: VipdCluster, host: string, rounds: number, gapS: number, packets: string[]): Promise<void> {
  const sender = c.lab.spawn(host, ["python3", "-c", SENDER, String(rounds), String(gapS), ...packets]);
  const code = await Promise.race([sender.proc.exited, Bun.sleep(rounds * gapS * 1000 + 5000).then(() => null)]);
  if (code !== 0) throw new Error(`sender ${code === null ? "did not finish" : `exited ${code}`}: ${sender.lines.join("\n")}`);
}

function advert(src: Uint8Array, priority: number): number[] {
  const buf = new Uint8Array(64);
  const fields = {
    version: 3 as const,
    vrid: 51,
    priority,
    advertIntervalCs: 100,
    addresses: [parseIp("2001:db8::100")!],
    authType: 0,
    authData: new Uint8Array(8),
  };
  return [...buf.subarray(0, encodeAdvert(buf, fields, 6, src, GROUP))];
}

function ipv6(src: Uint8Array, next: number, payload: number[]): string {
  const header = [0x60, 0, 0, 0, payload.length >> 8, payload.length & 0xff, next, 255, ...src, ...GROUP];
  return Buffer.from([...header, ...payload]).toString("hex");
}

/** An extension header of 8 bytes: hop-by-hop or destination options padded with PadN, or a routing header. */
function ext(next: number, third = 0, fourth = 0): number[] {
  return [next, 0, third, fourth, 0, 0, 0, 0];
}

function fragment(next: number, offset8: number, more: boolean): number[] {
  const field = (offset8 << 3) | (more ? 1 : 0);
  return [next, 0, field >> 8, field & 0xff, 0, 0, 0, 7];
}

test("extension headers: hop-by-hop accepted as keepalived does; segments left and fragments counted by reason in status", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  // One daemon (a); b only sends. advert_int 1: Master_Down_Interval ≈ 3.6 s.
  c.writeConfig(
    "a",
    [
      "[instances.VI_1]",
      'interface = "eth0"',
      "virtual_router_id = 51",
      "priority = 100",
      "advert_int = 1",
      'virtual_ipaddress = ["2001:db8::100"]',
      "",
    ].join("\n"),
  );
  await c.start("a");
  await c.waitState("a", "BACKUP", 3000);
  const { text: linkLocal, bytes: src } = linkLocalOf(c, "b");

  // A master at priority 200 whose adverts all carry a hop-by-hop header, for twice Master_Down_Interval: a hears it.
  await sendFrom(c, "b", 30, 0.25, [ipv6(src, HOP_BY_HOP, [...ext(VRRP, 1, 4), ...advert(src, 200)])]);
  let status = (await c.status("a")).instances[0]!;
  expect(status.state).toBe("BACKUP");
  expect(status.master).toBe(linkLocal);
  expect(status.advertsReceived).toBe(30);
  expect(status.drops).toEqual({});

  // What is dropped, by reason: a routing header with segments left (on its way elsewhere), a first fragment (it
  // carries the VRID), a later fragment (it does not), and an MLD-like packet that is not VRRP at all.
  const whole = advert(src, 200);
  await sendFrom(c, "b", 1, 0, [
    ipv6(src, ROUTING, [...ext(VRRP, 4, 1), ...whole]),
    ipv6(src, ROUTING, [...ext(VRRP, 4, 1), ...whole]),
    ipv6(src, FRAGMENT, [...fragment(VRRP, 0, true), ...whole.slice(0, 16)]),
    ipv6(src, FRAGMENT, [...fragment(VRRP, 2, false), ...whole.slice(16)]),
    ipv6(src, HOP_BY_HOP, [...ext(ICMPV6, 1, 4), 143, 0, 0, 0]),
  ]);
  await Bun.sleep(300);
  const snapshot = await c.status("a");
  status = snapshot.instances[0]!;
  expect(status.drops).toEqual({ "ipv6-extension-header": 2, "ipv6-fragment": 1 });
  expect(snapshot.unattributedDrops).toEqual({ "ipv6-fragment": 1 });
  const transport = snapshot.transports.find((t) => t.family === 6)!;
  expect(transport.extensionHeaders).toBe(30);
  expect(transport.malformed).toBe(0);
  const log = c.daemon("a").lines.join("\n");
  expect(log).toContain(`advert from ${linkLocal} dropped: it came in IPv6 fragments`);
}, 30_000);

test("keepalived 2.2.7 hears an advert behind a hop-by-hop header (the behaviour vipd follows)", async () => {
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  keepalived = Keepalived.start(
    c.lab,
    "a",
    "hbh",
    "vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  advert_int 1\n" +
      "  virtual_ipaddress {\n    2001:db8::100\n  }\n}\n",
  );
  await keepalived.waitLog(/Entering BACKUP STATE/, 10_000);
  const { bytes: src } = linkLocalOf(c, "b");
  const from = keepalived.proc.lines.length;
  // Twice its Master_Down_Interval of adverts from a priority-200 master, each behind a hop-by-hop header.
  await sendFrom(c, "b", 30, 0.25, [ipv6(src, HOP_BY_HOP, [...ext(VRRP, 1, 4), ...advert(src, 200)])]);
  expect(keepalived.proc.lines.slice(from).join("\n")).not.toMatch(/Entering MASTER STATE/);
  // Once they stop, it takes over: it was hearing them, not silent by chance.
  await keepalived.waitLog(/Entering MASTER STATE/, 6000, from);
}, 40_000);
