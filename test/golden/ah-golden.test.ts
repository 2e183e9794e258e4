// Adverts inside IPsec AH captured from the real keepalived 2.2.7 (capture.sh: v2-ah multicast, v2-ah-unicast):
// vipd must build the same datagrams byte for byte from the same settings (keepalived starts its sequence number
// and IP id at 1, and so does a new vipd instance), and an instance with those settings must accept them, once.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { passwordAuthData } from "../../src/vrrp/advert.ts";
import { AUTH_AH, IPPROTO_AH } from "../../src/vrrp/constants.ts";
import type { InstanceConfig } from "../../src/vrrp/instance-config.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { VrrpNode } from "../../src/vrrp/node.ts";
import { instance } from "../vrrp/fixtures.ts";

interface AhVector {
  name: string;
  conf: string;
  keepalived: string;
  src: string;
  dst: string;
  ahHex: string;
  datagramsHex: string[];
  settings: { vrid: number; priority: number; advertIntervalCs: number; authPassword: string; vips: string[]; unicastPeers: string[] };
}

const dir = import.meta.dir;
const vectors: AhVector[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json") && f !== "ipvs-answers.json")
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")))
  .filter((v) => v.ahHex !== undefined);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const addr = (text: string) => parseIp(text)!;

/** The sender's settings (primary = its address), or a receiver's: its peer is then the sender. */
function config(v: AhVector, primary: string, priority: number, password = v.settings.authPassword): InstanceConfig {
  const s = v.settings;
  const receiving = primary !== v.src;
  return instance({
    version: 2,
    vrid: s.vrid,
    priority,
    advertIntervalCs: s.advertIntervalCs,
    vips: s.vips,
    authType: AUTH_AH,
    authData: passwordAuthData(password),
    primaryAddress: addr(primary),
    unicastPeers: s.unicastPeers.length > 0 && receiving ? [addr(v.src)] : s.unicastPeers.map(addr),
  });
}

function deliver(node: VrrpNode, datagram: Uint8Array): void {
  node.handle(
    {
      type: "AdvertReceived",
      interface: "eth0",
      family: 4,
      packet: datagram,
      offset: 20,
      length: datagram.length - 20,
      src: datagram.slice(12, 16),
      dst: datagram.slice(16, 20),
      ttl: datagram[8]!,
      ipProtocol: IPPROTO_AH,
      ipOffset: 0,
    },
    0,
    [],
  );
}

test("the AH captures are present: multicast and unicast", () => {
  expect(vectors.map((v) => v.name)).toEqual(["v2-ah-unicast", "v2-ah"]);
  for (const v of vectors) {
    expect(readFileSync(join(dir, v.conf), "utf8")).toContain("auth_type AH");
    expect(v.datagramsHex).toHaveLength(3);
  }
});

for (const v of vectors) {
  describe(`${v.name} (keepalived ${v.keepalived})`, () => {
    const datagrams = v.datagramsHex.map((h) => Uint8Array.from(Buffer.from(h, "hex")));

    test("vipd builds the same three datagrams: IP header, AH (SPI, sequence 1, 2, 3, ICV) and advert", () => {
      const node = new VrrpNode({ instances: [config(v, v.src, v.settings.priority)], syncGroups: [] });
      const router = node.router("VI_1")!;
      const out = new Uint8Array(1500);
      for (const expected of v.datagramsHex) {
        const length = router.writeAdvert(out, v.settings.priority, addr(v.src), addr(v.dst));
        expect(hex(out.subarray(0, length))).toBe(expected);
      }
    });

    test("an instance with the same password accepts each once, in order; a replay and another password are dropped", () => {
      const node = new VrrpNode({ instances: [config(v, "192.0.2.2", 100)], syncGroups: [] });
      const router = node.router("VI_1")!;
      node.handle({ type: "Startup" }, 0, []);
      for (const d of datagrams) deliver(node, d);
      deliver(node, datagrams[1]!);
      const rejects = Object.entries(router.stats.rejects).filter(([, n]) => n > 0);
      expect(rejects).toEqual([["ah-replay", 1]]);
      expect(router.masterAddressString()).toBe(v.src);

      const other = new VrrpNode({ instances: [config(v, "192.0.2.2", 100, "another")], syncGroups: [] });
      other.handle({ type: "Startup" }, 0, []);
      deliver(other, datagrams[0]!);
      expect(other.router("VI_1")!.stats.rejects["ah-bad-icv"]).toBe(1);
    });
  });
}
