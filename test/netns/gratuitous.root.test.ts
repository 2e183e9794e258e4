// Gratuitous ARP and unsolicited NA from vipd's announcer, seen by tcpdump on the peer, compared byte for byte with
// the frames the real keepalived 2.2.7 sends for the same VIPs from the same interface.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Agent } from "./agent-client.ts";
import { Lab, type LabProcess, requireLabPrerequisites } from "./harness.ts";
import { Keepalived } from "./keepalived.ts";

const VIP4 = "192.0.2.200";
const VIP6 = "2001:db8::200";
const FILTER = "arp or (icmp6 and ip6[40] == 136)";

let lab: Lab;

interface Frame {
  time: number;
  summary: string;
  hex: string;
}

/** tcpdump -tt -xx output: a summary line with the epoch time, then hex lines of the whole frame. */
function frames(p: LabProcess): Frame[] {
  const out: Frame[] = [];
  for (const line of p.lines) {
    const hexLine = line.match(/^\s+0x[0-9a-f]+:\s+(.*)$/);
    if (hexLine && out.length > 0) out[out.length - 1]!.hex += hexLine[1]!.replace(/\s+/g, "");
    else if (/^\d+\.\d+ /.test(line)) out.push({ time: Number(line.split(" ")[0]), summary: line, hex: "" });
  }
  return out;
}

async function capture(count: number, action: () => Promise<void>): Promise<Frame[]> {
  const td = lab.spawn("b", ["tcpdump", "-i", "eth0", "-n", "-l", "-U", "-tt", "-xx", "-c", String(count), FILTER]);
  try {
    // tcpdump says so once it captures (a fixed pause was too short on a loaded CI machine: nothing captured).
    await td.waitLine((l) => l.includes("listening on"), 5000);
    await action();
    await Promise.race([td.proc.exited, Bun.sleep(5000)]);
  } finally {
    await td.stop(500);
  }
  return frames(td);
}

let keepalivedFrames: Frame[] = [];
let vipdFrames: Frame[] = [];

beforeAll(async () => {
  requireLabPrerequisites(["keepalived", "tcpdump"]);
  lab = await Lab.create({ hosts: ["a", "b"], bridge: true });
  // Priority 255 (address owner) becomes MASTER at once and announces: 5 GARPs + 5 NAs (keepalived defaults).
  keepalivedFrames = await capture(10, async () => {
    const ka = Keepalived.start(
      lab,
      "a",
      "owner",
      `global_defs {\n  router_id vipd-garp\n  vrrp_garp_master_delay 0\n}\nvrrp_instance G4 {\n  state MASTER\n  interface eth0\n  virtual_router_id 60\n  priority 255\n  advert_int 1\n  virtual_ipaddress {\n    ${VIP4}/24\n  }\n}\nvrrp_instance G6 {\n  state MASTER\n  interface eth0\n  virtual_router_id 61\n  priority 255\n  advert_int 1\n  virtual_ipaddress {\n    ${VIP6}/64\n  }\n}\n`,
    );
    try {
      await ka.waitLog(/\(G6\) Entering MASTER STATE/, 5000);
      await ka.waitLog(/\(G4\) Entering MASTER STATE/, 5000);
      await Bun.sleep(200);
    } finally {
      await ka.stop();
    }
  });
  const agent = await Agent.start(lab, "a");
  try {
    vipdFrames = await capture(10, async () => {
      const r = await agent.call("announce", { ifname: "eth0", addresses: [VIP4, VIP6], repeat: 5, intervalMs: 0 });
      expect(r.sent).toBe(10);
    });
  } finally {
    await agent.stop();
  }
}, 20_000);

afterAll(async () => {
  await lab?.destroy();
});

test("keepalived's announcements were captured (5 GARPs, 5 NAs)", () => {
  expect(keepalivedFrames.filter((f) => f.summary.includes("ARP, Request")).length).toBe(5);
  expect(keepalivedFrames.filter((f) => f.summary.includes("neighbor advertisement")).length).toBe(5);
});

test("vipd's gratuitous ARP: broadcast request, sender = target = VIP, interface MAC; identical to keepalived's", () => {
  const garps = vipdFrames.filter((f) => f.summary.includes("ARP"));
  expect(garps.length).toBe(5);
  const mac = lab.mac("a").replaceAll(":", "");
  const vip = "c00002c8";
  // dst broadcast | src MAC | 0806 | ether/ipv4 6/4 request | sha spa | tha ff.. tpa
  expect(garps[0]!.hex).toBe(`ffffffffffff${mac}08060001080006040001${mac}${vip}ffffffffffff${vip}`);
  expect(garps[0]!.summary).toContain(`Request who-has ${VIP4} (ff:ff:ff:ff:ff:ff) tell ${VIP4}`);
  const theirs = keepalivedFrames.find((f) => f.summary.includes("ARP"))!;
  for (const f of garps) expect(f.hex).toBe(theirs.hex);
});

test("vipd's unsolicited NA: ff02::1, hop limit 255, override flag, target link-layer option; identical to keepalived's", () => {
  const nas = vipdFrames.filter((f) => f.summary.includes("neighbor advertisement"));
  expect(nas.length).toBe(5);
  const hex = nas[0]!.hex;
  expect(hex.slice(0, 12)).toBe("333300000001");
  expect(hex.slice(28 + 12, 28 + 16)).toBe("3aff"); // next header ICMPv6, hop limit 255
  expect(hex.slice(108, 110)).toBe("88"); // type 136
  expect(hex.slice(116, 118)).toBe("20"); // override, not solicited, not router (no forwarding)
  expect(hex.slice(-16)).toBe(`0201${lab.mac("a").replaceAll(":", "")}`);
  expect(nas[0]!.summary).toContain(`${VIP6} > ff02::1: ICMP6, neighbor advertisement, tgt is ${VIP6}`);
  const theirs = keepalivedFrames.find((f) => f.summary.includes("neighbor advertisement"))!;
  for (const f of nas) expect(f.hex).toBe(theirs.hex); // includes the checksum vipd computed
});

test("repeat and interval are honoured (3 rounds 50 ms apart)", async () => {
  const agent = await Agent.start(lab, "a");
  try {
    const got = await capture(3, async () => {
      await agent.call("announce", { ifname: "eth0", addresses: [VIP4], repeat: 3, intervalMs: 50 });
    });
    expect(got.length).toBe(3);
    expect(got[1]!.time - got[0]!.time).toBeGreaterThanOrEqual(0.045);
    expect(got[2]!.time - got[1]!.time).toBeGreaterThanOrEqual(0.045);
  } finally {
    await agent.stop();
  }
});
