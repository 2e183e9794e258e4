// Settings that differ between vipd and the real keepalived 2.2.7: vipd must notice each one and say why — in its
// status (`drops` with the reason, `lastDrop`) and its log — rather than silently becoming a second MASTER. Both
// sides then become MASTER, exactly as two keepalived with these settings would, and keepalived logs the mismatch
// of vipd's adverts the same way. A VRRPv3 interval difference is no mismatch: the backup adopts the master's.
//
// One lab, one keepalived and one vipd, one instance per mismatch (distinct VRIDs and VIPs), keepalived at 150
// started first so its adverts are what vipd (100) judges.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { StatusSnapshot } from "../../src/daemon/status.ts";
import { type InteropConfig, InteropPair, keepalivedConf, keepalivedRejections, vipdToml } from "./interop-pair.ts";

const V2: InteropConfig = { name: "v2", version: 2, family: 4, advertInt: 1, crash: "SIGKILL" };
const V3: InteropConfig = { name: "v3/IPv4", version: 3, family: 4, advertInt: 0.25, crash: "SIGKILL" };
const V6: InteropConfig = { name: "v3/IPv6", version: 3, family: 6, advertInt: 0.25, crash: "SIGKILL" };

interface Case {
  name: string;
  cfg: InteropConfig;
  vrid: number;
  keepalived: { vips: string[]; advertInt?: number; auth?: string; authType?: "PASS" | "AH" };
  vipd: { vips: string[]; advertInt?: number; auth?: string; authType?: "PASS" | "AH" };
  /** vipd's reject reason and the words of its log line; null: no mismatch (accepted). */
  drop: { reason: string; log: string } | null;
  /** keepalived's words when vipd, MASTER too, advertises to it (null: not checked). */
  keepalivedLog: RegExp | null;
}

const CASES: Case[] = [
  {
    name: "VM_INTERVAL",
    cfg: V2,
    vrid: 61,
    keepalived: { vips: ["192.0.2.121/24"], advertInt: 1 },
    vipd: { vips: ["192.0.2.121/24"], advertInt: 2 },
    drop: { reason: "interval-mismatch", log: "advert interval mismatch: ours 2 s, theirs 1 s" },
    // vipd (2 s interval) would become MASTER only after 6.6 s: not waited for.
    keepalivedLog: null,
  },
  {
    name: "VM_PASS",
    cfg: V2,
    vrid: 62,
    keepalived: { vips: ["192.0.2.122/24"], auth: "right123" },
    vipd: { vips: ["192.0.2.122/24"], auth: "wrong456" },
    drop: { reason: "auth-mismatch", log: "authentication password mismatch" },
    keepalivedLog: /\(VM_PASS\) received an invalid passwd/,
  },
  {
    name: "VM_AH",
    cfg: V2,
    vrid: 67,
    keepalived: { vips: ["192.0.2.128/24"], auth: "right123", authType: "AH" },
    vipd: { vips: ["192.0.2.128/24"], auth: "wrong456", authType: "AH" },
    drop: { reason: "ah-bad-icv", log: "IPsec AH check value mismatch (another auth_pass)" },
    keepalivedLog: /\(VM_AH\) IPSEC-AH : invalid IPSEC HMAC-MD5 value/,
  },
  {
    name: "VM_VIPS_V2",
    cfg: V2,
    vrid: 63,
    keepalived: { vips: ["192.0.2.123/24"] },
    vipd: { vips: ["192.0.2.124/24"] },
    drop: { reason: "address-list-mismatch", log: "VIP list mismatch: theirs 192.0.2.123" },
    keepalivedLog: /\(VM_VIPS_V2\) .*not present in MASTER advert/,
  },
  {
    name: "VM_VIPS_V3",
    cfg: V3,
    vrid: 64,
    keepalived: { vips: ["192.0.2.125/24"] },
    vipd: { vips: ["192.0.2.126/24"] },
    drop: { reason: "address-list-mismatch", log: "VIP list mismatch: theirs 192.0.2.125" },
    keepalivedLog: /\(VM_VIPS_V3\) .*not present in MASTER advert/,
  },
  {
    name: "VM_VIPS_V6",
    cfg: V6,
    vrid: 65,
    keepalived: { vips: ["2001:db8::125/64"] },
    vipd: { vips: ["2001:db8::126/64"] },
    drop: { reason: "address-list-mismatch", log: "VIP list mismatch: theirs 2001:db8::125" },
    keepalivedLog: /\(VM_VIPS_V6\) .*not present in MASTER advert/,
  },
  {
    name: "V3_INTERVAL",
    cfg: V3,
    vrid: 66,
    keepalived: { vips: ["192.0.2.127/24"], advertInt: 0.5 },
    vipd: { vips: ["192.0.2.127/24"], advertInt: 0.25 },
    drop: null,
    keepalivedLog: null,
  },
];

let pair: InteropPair;
let status: StatusSnapshot;

function instance(name: string): StatusSnapshot["instances"][number] {
  const i = status.instances.find((x) => x.name === name);
  if (!i) throw new Error(`no instance ${name} in vipd's status`);
  return i;
}

describe("mismatched settings between keepalived (150, MASTER) and vipd (100)", () => {
  beforeAll(async () => {
    pair = await InteropPair.create(V2);
    const addrs = (impl: "keepalived" | "vipd", c: Case) =>
      c.cfg.family === 4 ? { self: pair.lab.ipv4(impl), peer: "" } : { self: pair.lab.ipv6(impl), peer: "" };
    await pair.keepalived.startConfig(
      CASES.map((c) => keepalivedConf(c.cfg, { name: c.name, vrid: c.vrid, priority: 150, ...c.keepalived }, addrs("keepalived", c))).join(
        "",
      ),
      CASES.map((c) => c.name),
    );
    for (const c of CASES) await pair.waitState("keepalived", "MASTER", 5000, c.name);
    await pair.vipd.startConfig(
      CASES.map((c) => vipdToml(c.cfg, { name: c.name, vrid: c.vrid, priority: 100, ...c.vipd }, addrs("vipd", c))).join("\n"),
    );
    // Every mismatched instance has judged at least one advert (v2 adverts come every second).
    const until = performance.now() + 4000;
    for (let n = 0; n < 1000; n++) {
      status = await pair.vipd.status();
      const judged = CASES.every((c) => (c.drop ? instance(c.name).lastDrop !== null : instance(c.name).advertsReceived > 0));
      if (judged || performance.now() > until) break;
      await Bun.sleep(50);
    }
  }, 30_000);

  afterAll(async () => {
    await pair?.destroy();
  }, 20_000);

  for (const c of CASES.filter((x) => x.drop)) {
    test(`${c.cfg.name} ${c.name}: vipd reports "${c.drop!.reason}" in its status and logs "${c.drop!.log}"`, () => {
      const i = instance(c.name);
      expect({ drops: Object.keys(i.drops), lastDrop: i.lastDrop }).toEqual({ drops: [c.drop!.reason], lastDrop: c.drop!.reason });
      expect(i.drops[c.drop!.reason]).toBeGreaterThan(0);
      const from = c.cfg.family === 4 ? pair.lab.ipv4("keepalived") : pair.linkLocal("keepalived");
      const line = pair.vipd.log().find((l) => l.includes(`[vrrp:${c.name}]`) && l.includes("dropped:"));
      expect(line).toContain(`advert from ${from} dropped: ${c.drop!.log}`);
    });
  }

  test("v3/IPv4 V3_INTERVAL: no mismatch in v3 — vipd follows keepalived as BACKUP and adopts its 0.5 s interval", async () => {
    const i = instance("V3_INTERVAL");
    expect(i).toMatchObject({ state: "BACKUP", master: pair.lab.ipv4("keepalived"), advertIntervalCs: 50, drops: {}, lastDrop: null });
  });

  test("as in a keepalived pair, each side then also becomes MASTER, and keepalived logs vipd's adverts as mismatched", async () => {
    const checked = CASES.filter((c) => c.keepalivedLog);
    // vipd ignored the master it dropped: its own Master_Down_Interval (v2 at 100: 3.61 s) runs out.
    for (const c of checked) await pair.waitState("vipd", "MASTER", 6000, c.name);
    for (const c of checked) expect(await pair.keepalived.state(c.name)).toBe("MASTER");
    for (const c of checked) await pair.keepalived.runs[0]!.waitLog(c.keepalivedLog!, 3000);
    // The lines the interop suite treats as rejections are exactly these, so that check would catch them.
    const rejections = keepalivedRejections(pair.keepalived.log());
    for (const c of checked) expect(rejections.some((l) => c.keepalivedLog!.test(l))).toBe(true);
    // The instance without a mismatch is untouched: keepalived MASTER, vipd BACKUP.
    expect([await pair.keepalived.state("V3_INTERVAL"), await pair.vipd.state("V3_INTERVAL")]).toEqual(["MASTER", "BACKUP"]);
  }, 20_000);
});
