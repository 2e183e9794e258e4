import { expect, test } from "bun:test";
import { parseTcpdumpLine } from "../../src/lab/capture.ts";

test("a VRRPv3 advert: source, vrid, priority, interval in centiseconds, microsecond time", () => {
  const p = parseTcpdumpLine(
    "1795323470.242584 a6:e4:2a:ad:fb:6f > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 46: 192.0.2.11 > 224.0.0.18: VRRPv3, Advertisement, vrid 51, prio 150, intvl 10cs, length 12",
  );
  expect(p).toMatchObject({
    kind: "advert",
    src: "192.0.2.11",
    version: 3,
    vrid: 51,
    priority: 150,
    intervalCs: 10,
    srcMac: "a6:e4:2a:ad:fb:6f",
  });
  expect(p!.t).toBeCloseTo(1795323470242.584, 3);
});

test("a VRRPv2 advert with authentication: interval in seconds", () => {
  const p = parseTcpdumpLine(
    "1000.000001 02:00:5e:00:02:0b > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 60: 192.0.2.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0, authtype none, intvl 1s, length 20",
  );
  expect(p).toMatchObject({ kind: "advert", version: 2, priority: 0, intervalCs: 100 });
});

test("gratuitous ARP (request and broadcast reply) and an ordinary request", () => {
  const garp = parseTcpdumpLine(
    "1.5 02:00:5e:00:02:0c > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.100 (ff:ff:ff:ff:ff:ff) tell 192.0.2.100, length 28",
  );
  expect(garp).toMatchObject({ kind: "arp", op: "request", senderIp: "192.0.2.100", gratuitous: true, t: 1500 });
  const reply = parseTcpdumpLine(
    "1.5 02:00:5e:00:02:0c > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Reply 192.0.2.100 is-at 02:00:5e:00:02:0c, length 28",
  );
  expect(reply).toMatchObject({ kind: "arp", op: "reply", gratuitous: true });
  const ask = parseTcpdumpLine(
    "1.5 02:00:5e:00:02:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.100 tell 192.0.2.2, length 28",
  );
  expect(ask).toMatchObject({ kind: "arp", gratuitous: false, senderIp: "192.0.2.2", targetIp: "192.0.2.100" });
});

test("echo request and reply with id and seq", () => {
  const p = parseTcpdumpLine(
    "2.000100 02:00:5e:00:02:0b > 02:00:5e:00:02:02, ethertype IPv4 (0x0800), length 98: 192.0.2.100 > 192.0.2.2: ICMP echo reply, id 31634, seq 65535, length 64",
  );
  expect(p).toMatchObject({ kind: "echo-reply", src: "192.0.2.100", dst: "192.0.2.2", id: 31634, seq: 65535 });
});

test("anything else is skipped, never thrown on", () => {
  for (const line of [
    "",
    "listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
    "3 packets dropped by kernel",
    "1.0 02:00:5e:00:02:0b > 02:00:5e:00:02:02, ethertype IPv4 (0x0800), length 98: 192.0.2.100 > 192.0.2.2: ICMP 192.0.2.100 udp port 9 unreachable, length 36",
    "1.0 02:00:5e:00:02:0b > 02:00:5e:00:02:02, ethertype IPv6 (0x86dd), length 86: fe80::1 > ff02::1: ICMP6, neighbor advertisement",
    "garbage \u0000 line",
  ]) {
    expect(parseTcpdumpLine(line)).toBeNull();
  }
});
