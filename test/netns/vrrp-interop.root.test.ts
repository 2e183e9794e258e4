// The VRRP transport against the real keepalived 2.2.7, both ways, for VRRPv2 and v3 over IPv4 and v3 over IPv6.
// Host a runs vipd's adapter (in an agent), host b runs keepalived as BACKUP (lower priority, same VRIDs and VIPs)
// and tcpdump. Phase 1: vipd sends adverts at priority 200; keepalived must stay BACKUP for longer than its
// Master_Down_Interval and log no rejection, and tcpdump must see TTL/hop limit 255 and TOS/class 0xc0.
// Phase 2: vipd sends priority 0 (it is leaving); keepalived takes over and its adverts must reach the adapter,
// decode (checksum valid) and carry TTL 255.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Agent, type Json } from "./agent-client.ts";
import { Lab, type LabProcess, requireLabPrerequisites } from "./harness.ts";
import { Keepalived } from "./keepalived.ts";

const INSTANCES = [
  { name: "V2", family: 4, version: 2, vrid: 51, vip: "192.0.2.100", dst: "224.0.0.18" },
  { name: "V3", family: 4, version: 3, vrid: 53, vip: "192.0.2.110", dst: "224.0.0.18" },
  { name: "V6", family: 6, version: 3, vrid: 54, vip: "2001:db8::100", dst: "ff02::12" },
] as const;

const KEEPALIVED_CONF = `global_defs {
    router_id vipd-interop
    vrrp_garp_master_delay 0
}
${INSTANCES.map(
  (i) => `vrrp_instance ${i.name} {
    state BACKUP
    interface eth0
    version ${i.version}
    virtual_router_id ${i.vrid}
    priority 100
    advert_int 1
    virtual_ipaddress {
        ${i.vip}
    }
}`,
).join("\n")}
`;

/** keepalived's words for an advert it dropped (vrrp.c / vrrp_scheduler.c in 2.2.7). */
const REJECTION = /not present|invalid|bad |mismatch|wrong|checksum|ttl|discard|ignor|not match|error/i;

let lab: Lab;
let agent: Agent;
let keepalived: Keepalived;
let tcpdump: LabProcess;
let linkLocalA = "";

function fields(i: (typeof INSTANCES)[number], priority: number): Json {
  return { version: i.version, vrid: i.vrid, priority, advertIntervalCs: 100, addresses: [i.vip], authType: 0 };
}

async function sendAll(priority: number): Promise<void> {
  for (const i of INSTANCES) await agent.call("send", { name: i.name, fields: fields(i, priority), dst: i.dst });
}

beforeAll(async () => {
  requireLabPrerequisites(["keepalived", "tcpdump"]);
  lab = await Lab.create({ hosts: ["a", "b"], bridge: true });
  agent = await Agent.start(lab, "a");
  for (const i of INSTANCES) {
    const opened = await agent.call("open", { name: i.name, ifname: "eth0", family: i.family });
    if (i.family === 6) linkLocalA = opened.source;
  }
  // -v prints tos/ttl (IPv4) and class/hlim (IPv6) per packet; only what host a sends.
  tcpdump = lab.spawn("b", [
    "tcpdump",
    "-i",
    "eth0",
    "-n",
    "-l",
    "-U",
    "-v",
    `(ip proto 112 and src 192.0.2.10) or (ip6 proto 112 and src ${linkLocalA})`,
  ]);
  await Bun.sleep(300); // tcpdump attaches (its "listening" line goes to stderr)
  keepalived = Keepalived.start(lab, "b", "backup", KEEPALIVED_CONF);
  await keepalived.waitLog(/Startup complete/, 5000);
}, 20_000);

afterAll(async () => {
  await keepalived?.stop();
  await agent?.stop();
  await lab?.destroy();
});

describe("vipd → keepalived", () => {
  test("keepalived accepts vipd's adverts: stays BACKUP beyond Master_Down_Interval, logs no rejection", async () => {
    // Master_Down_Interval at priority 100, advert_int 1: 3 + 0.61 s (v2) / 3 + 0.61 s (v3). Watch 4.5 s.
    const until = performance.now() + 4500;
    for (let n = 0; performance.now() < until && n < 100; n++) {
      await sendAll(200);
      await Bun.sleep(250);
    }
    const log = keepalived.log;
    expect(log).not.toContain("Entering MASTER STATE");
    for (const i of INSTANCES) expect(log).toContain(`(${i.name}) Entering BACKUP STATE`);
    const vrrpLines = keepalived.proc.lines.filter((l) => /\(V[236]\)/.test(l));
    expect(vrrpLines.filter((l) => REJECTION.test(l))).toEqual([]);
    // The VIPs stay on vipd's side only.
    expect(lab.addressList("b").filter((a) => a.startsWith("192.0.2.1") || a.startsWith("2001:db8::100"))).toEqual(["192.0.2.11/24"]);
  }, 15_000);

  test("control: an advert keepalived must drop (other VIP) is logged and caught by the check above", async () => {
    const from = keepalived.proc.lines.length;
    const v2 = INSTANCES[0];
    await agent.call("send", { name: v2.name, fields: { ...fields(v2, 200), addresses: ["192.0.2.199"] }, dst: v2.dst });
    const { line } = await keepalived.waitLog(/\(V2\)/, 2000, from);
    expect(line).toMatch(REJECTION);
  });

  test("tcpdump on the peer sees TTL 255 and TOS 0xc0 (IPv4), hop limit 255 and class 0xc0 (IPv6)", () => {
    const text = tcpdump.lines.join("\n");
    const v4 = tcpdump.lines.filter((l) => l.includes("proto VRRP (112)"));
    expect(v4.length).toBeGreaterThan(4);
    for (const l of v4) {
      expect(l).toContain("tos 0xc0");
      expect(l).toContain("ttl 255");
      // keepalived leaves DF clear; so do we.
      expect(l).toContain("flags [none]");
    }
    const v6 = tcpdump.lines.filter((l) => l.includes("next-header VRRP (112)"));
    expect(v6.length).toBeGreaterThan(2);
    for (const l of v6) {
      expect(l).toContain("class 0xc0");
      expect(l).toContain("hlim 255");
    }
    expect(text).toContain(`${linkLocalA} > ff02::12`);
    expect(text).toContain("192.0.2.10 > 224.0.0.18");
  });
});

describe("keepalived → vipd", () => {
  let adverts: Json[] = [];

  beforeAll(async () => {
    const from = agent.lineCount;
    await sendAll(0); // vipd leaves: backups take over after skew time
    const deadline = performance.now() + 5000;
    for (const i of INSTANCES) {
      await agent.waitEvent(
        "packet",
        (e) => e.transport === i.name && e.decode.ok && e.decode.vrid === i.vrid,
        Math.max(1, deadline - performance.now()),
        from,
      );
    }
    // Its log line can trail its first advert through the pipe; wait for it too (bounded).
    for (const i of INSTANCES)
      await keepalived.waitLog(new RegExp(`\\(${i.name}\\) Entering MASTER STATE`), Math.max(1, deadline + 1000 - performance.now()));
    adverts = agent.events("packet", from);
  }, 10_000);

  test("keepalived became MASTER after vipd's priority-0 advert", () => {
    for (const i of INSTANCES) expect(keepalived.log).toContain(`(${i.name}) Entering MASTER STATE`);
  });

  test("its adverts arrive through the adapter with TTL 255 and decode with a valid checksum", () => {
    for (const i of INSTANCES) {
      const mine = adverts.filter((e) => e.transport === i.name && e.decode.ok && e.decode.vrid === i.vrid);
      expect(mine.length).toBeGreaterThan(0);
      const e = mine[0]!;
      expect(e.ttl).toBe(255);
      expect(e.decode).toMatchObject({ ok: true, version: i.version, priority: 100, intervalCs: 100, addresses: [i.vip] });
      if (i.family === 4) expect(e).toMatchObject({ src: "192.0.2.11", dst: "224.0.0.18" });
      else {
        expect(e.src.startsWith("fe80::")).toBe(true);
        expect(e.dst).toBe("ff02::12");
      }
    }
    // Nothing on the wire failed to decode (every VRRP packet seen was one of these three instances).
    expect(adverts.filter((e) => !e.decode.ok)).toEqual([]);
  });

  test("keepalived added the VIPs on its side", () => {
    const b = lab.addressList("b");
    for (const i of INSTANCES) expect(b.some((a) => a.startsWith(`${i.vip}/`))).toBe(true);
  });
});
