// vipd with use_vmac against a peer that also answers from the virtual MAC: FRRouting's vrrpd (strict RFC: it
// never announces a takeover it did not make) and keepalived 2.2.7 with use_vmac. Hosts: vipd (192.0.2.10), the
// peer (.11) and a client (.12) that pings the VIP, on one bridge. One scenario per case, in order:
//   vipd alone is elected; the peer (higher priority) starts and preempts it; the peer is cut off (its bridge
//   port down) and vipd takes over; the cut heals and the peer preempts back — the client reaches the VIP again
//   within one advert interval of the heal; the peer stops gracefully and vipd takes over; the peer comes back
//   with a lower priority and vipd stays master (elected the other way); vipd stops gracefully and the peer takes
//   over. Throughout, the client's neighbour entry is the virtual MAC and neither side rejects an advert.
// The matrix covers each of VRRPv3/IPv4, VRRPv3/IPv6 and VRRPv2 once against FRR, at 100 ms (1 s for v2, its
// minimum), and keepalived at 100 ms over IPv4 and IPv6, to keep CI short.

import { afterEach, expect, test } from "bun:test";
import { skewTimeMs, masterDownIntervalMs } from "../../src/vrrp/timing.ts";
import { Frr } from "./frr.ts";
import { requireLabPrerequisites } from "./harness.ts";
import { keepalivedRejections } from "./interop-pair.ts";
import { Keepalived } from "./keepalived.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

interface Case {
  peer: "frr" | "keepalived";
  version: 2 | 3;
  family: 4 | 6;
  advertIntervalMs: number;
}

const CASES: Case[] = [
  { peer: "frr", version: 3, family: 4, advertIntervalMs: 100 },
  { peer: "frr", version: 3, family: 6, advertIntervalMs: 100 },
  { peer: "frr", version: 2, family: 4, advertIntervalMs: 1000 },
  { peer: "keepalived", version: 3, family: 4, advertIntervalMs: 100 },
  { peer: "keepalived", version: 3, family: 6, advertIntervalMs: 100 },
];

const VRID = 51;
const VIPD_PRIORITY = 100;
const PEER_HIGH = 200;
const PEER_LOW = 50;
/** Client pings every 10 ms: a lost ping is 10 ms without the VIP. */
const PING_INTERVAL_MS = 10;
/** Scheduling slack of a loaded 2-core machine, on top of the protocol's own times. */
const SLACK_MS = 500;

interface Peer {
  start(priority: number): Promise<void>;
  /** MASTER, BACKUP, or another word (FAULT, INIT, down). */
  state(): Promise<string>;
  /** Graceful stop (SIGTERM: a master sends priority 0); resolves once it exited. */
  terminate(): Promise<void>;
  rejections(): string[];
  stop(): Promise<void>;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch((e) => console.error(`cleanup: ${(e as Error).message}`));
  cleanup = [];
});

function vipOf(c: Case): { address: string; withPrefix: string } {
  return c.family === 4
    ? { address: "192.0.2.100", withPrefix: "192.0.2.100/24" }
    : { address: "2001:db8::100", withPrefix: "2001:db8::100/64" };
}

function virtualMac(c: Case): string {
  return `00:00:5e:00:0${c.family === 4 ? 1 : 2}:${VRID.toString(16)}`;
}

function frrPeer(cluster: VipdCluster, c: Case): Peer {
  let current: Frr | null = null;
  const all: Frr[] = [];
  return {
    async start(priority) {
      // The macvlan FRR needs outlives vrrpd: remove an earlier run's first.
      if (current) cluster.lab.must("peer", ["ip", "link", "del", Frr.macvlanName(current.config)]);
      current = await Frr.start(cluster.lab, "peer", {
        vrid: VRID,
        version: c.version,
        family: c.family,
        priority,
        advertIntervalMs: c.advertIntervalMs,
        vip: vipOf(c).withPrefix,
      });
      all.push(current);
    },
    async state() {
      const s = (await current?.state()) ?? "down";
      return s === "Master" ? "MASTER" : s === "Backup" ? "BACKUP" : s;
    },
    terminate: async () => current?.terminate(),
    rejections: () => all.flatMap((f) => f.rejections()),
    stop: async () => {
      for (const f of all) await f.stop();
    },
  };
}

function keepalivedPeer(cluster: VipdCluster, c: Case): Peer {
  const runs: Keepalived[] = [];
  const conf = (priority: number) =>
    [
      "global_defs {",
      "    router_id vmac-peer",
      "}",
      "vrrp_instance VI_1 {",
      "    state BACKUP",
      "    interface eth0",
      "    use_vmac",
      `    version ${c.version}`,
      `    virtual_router_id ${VRID}`,
      `    priority ${priority}`,
      `    advert_int ${c.advertIntervalMs / 1000}`,
      "    virtual_ipaddress {",
      `        ${vipOf(c).withPrefix}`,
      "    }",
      "}",
      "",
    ].join("\n");
  return {
    async start(priority) {
      // keepalived 2.2.7 sets arp_ignore and arp_filter on the base interface but not arp_announce: without it the
      // base asks for the client with the VIP as sender and its own MAC, and the client takes that MAC for the VIP
      // (this test fails so). vipd sets it; a keepalived host needs it set by hand.
      cluster.lab.must("peer", ["sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_announce=2"]);
      const k = Keepalived.start(cluster.lab, "peer", `keepalived-${runs.length + 1}`, conf(priority));
      runs.push(k);
      await k.waitLog(/\(VI_1\) Entering (BACKUP|MASTER) STATE/, 5000);
    },
    async state() {
      const k = runs.at(-1);
      if (!k || k.proc.exited) return "down";
      for (let i = k.proc.lines.length - 1; i >= 0; i--) {
        const m = /\(VI_1\) Entering (\w+) STATE/.exec(k.proc.lines[i]!);
        if (m) return m[1]!;
      }
      return "INIT";
    },
    async terminate() {
      const k = runs.at(-1)!;
      k.proc.proc.kill("SIGTERM");
      await Promise.race([k.proc.proc.exited, Bun.sleep(5000)]);
      if (!k.proc.exited) throw new Error("keepalived did not exit within 5 s of SIGTERM");
    },
    rejections: () => runs.flatMap((k) => keepalivedRejections(k.proc.lines)),
    stop: async () => {
      for (const k of runs) await k.stop();
    },
  };
}

async function waitFor(read: () => Promise<string>, want: string, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  for (let n = 0; n < 100_000; n++) {
    const now = await read();
    if (now === want) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${what} is ${now}, not ${want}, after ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
  throw new Error(`${what}: too many polls`);
}

function clientNeighbour(cluster: VipdCluster, c: Case): string | null {
  const argv = ["ip", ...(c.family === 6 ? ["-6"] : []), "-j", "neigh", "show", "to", vipOf(c).address];
  const entries = JSON.parse(cluster.lab.must("client", argv)) as { lladdr?: string }[];
  return entries[0]?.lladdr ?? null;
}

/**
 * The client reaches the VIP within `withinMs` (one ping every 50 ms): right after a state change the new master's
 * side may still be settling (FRR lifts its macvlan's protodown through zebra, after its state says Master).
 */
async function reaches(cluster: VipdCluster, c: Case, withinMs = 500): Promise<boolean> {
  const started = performance.now();
  for (let n = 0; n < 1000; n++) {
    const argv = ["ping", ...(c.family === 6 ? ["-6"] : []), "-c", "1", "-W", "0.05", vipOf(c).address];
    if (cluster.lab.exec("client", argv).code === 0) return true;
    if (performance.now() - started > withinMs) return false;
  }
  return false;
}

/** Pings the VIP every 10 ms from the client; finish() gives the pings lost. */
function pinger(cluster: VipdCluster, c: Case) {
  const proc = cluster.lab.spawn("client", [
    "ping",
    ...(c.family === 6 ? ["-6"] : []),
    "-n",
    "-q",
    "-i",
    String(PING_INTERVAL_MS / 1000),
    "-W",
    "1",
    "-w",
    "60",
    vipOf(c).address,
  ]);
  return {
    async finish(): Promise<{ sent: number; lost: number }> {
      // Replies still on their way are not losses.
      await Bun.sleep(100);
      proc.proc.kill("SIGINT");
      await Promise.race([proc.proc.exited, Bun.sleep(3000)]);
      const summary = proc.lines.find((l) => l.includes("packets transmitted"));
      if (!summary) throw new Error(`no ping summary: ${proc.lines.join("\n")}`);
      const sent = Number(/(\d+) packets transmitted/.exec(summary)?.[1]);
      const received = Number(/(\d+) received/.exec(summary)?.[1]);
      return { sent, lost: sent - received };
    },
  };
}

function vipdToml(c: Case, priority: number): string {
  return [
    "[instances.VI_1]",
    'interface = "eth0"',
    `virtual_router_id = ${VRID}`,
    `priority = ${priority}`,
    `version = ${c.version}`,
    `advert_int = ${c.advertIntervalMs / 1000}`,
    `virtual_ipaddress = ["${vipOf(c).withPrefix}"]`,
    "use_vmac = true",
    "",
  ].join("\n");
}

test.each(CASES)(
  "VMAC interop with $peer: VRRPv$version over IPv$family at $advertIntervalMs ms",
  async (c) => {
    requireLabPrerequisites(["keepalived", "vtysh", "ping"]);
    vipdBinary();
    const cluster = await VipdCluster.create(["vipd", "peer"]);
    cleanup.push(() => cluster.destroy());
    const peer = c.peer === "frr" ? frrPeer(cluster, c) : keepalivedPeer(cluster, c);
    cleanup.push(() => peer.stop());
    const intervalCs = c.advertIntervalMs / 10;
    const mdi = (priority: number) => masterDownIntervalMs(c.version, priority, intervalCs);
    const vipdState = () => cluster.state("vipd");
    const mac = virtualMac(c);

    // vipd alone is elected.
    cluster.writeConfig("vipd", vipdToml(c, VIPD_PRIORITY));
    await cluster.start("vipd");
    await waitFor(vipdState, "MASTER", mdi(VIPD_PRIORITY) + SLACK_MS + 2000, "vipd");
    expect(await reaches(cluster, c)).toBe(true);
    expect(clientNeighbour(cluster, c)).toBe(mac);

    // The peer (higher priority) starts and preempts.
    await peer.start(PEER_HIGH);
    await waitFor(() => peer.state(), "MASTER", mdi(PEER_HIGH) + 2 * c.advertIntervalMs + SLACK_MS + 2000, "peer");
    await waitFor(vipdState, "BACKUP", c.advertIntervalMs + SLACK_MS, "vipd");
    expect(await reaches(cluster, c)).toBe(true);

    if (c.family === 6) {
      // Only the link-local address adverts are sent from: no address from the peer's router advertisements
      // (FRR has zebra send them), which SLAAC would derive from the shared virtual MAC.
      expect(cluster.lab.addressList("vipd", "vrrp.51")).toEqual([
        `${cluster.lab.addrs("vipd")[0]!.addr_info.find((a) => a.scope === "link")!.local}/64`,
      ]);
    }

    // The peer is cut off: vipd takes over.
    cluster.lab.linkSet("bridge", cluster.lab.bridgePort("peer"), "down");
    await waitFor(vipdState, "MASTER", mdi(VIPD_PRIORITY) + SLACK_MS, "vipd");
    expect(await reaches(cluster, c)).toBe(true);

    // The cut heals: the peer preempts back, and the client's traffic follows within one advert interval.
    const healing = pinger(cluster, c);
    await Bun.sleep(200);
    cluster.lab.linkSet("bridge", cluster.lab.bridgePort("peer"), "up");
    await waitFor(vipdState, "BACKUP", mdi(PEER_HIGH) + 2 * c.advertIntervalMs + SLACK_MS + 2000, "vipd");
    await waitFor(() => peer.state(), "MASTER", SLACK_MS, "peer");
    await Bun.sleep(2 * c.advertIntervalMs);
    const heal = await healing.finish();
    // Within one advert interval of the heal, measured by pings PING_INTERVAL_MS apart (one probe of resolution, as in
    // heal-primed-cache.root.test.ts): 11 lost pings at 10 ms were seen for 100 ms adverts.
    expect(heal.lost * PING_INTERVAL_MS).toBeLessThanOrEqual(c.advertIntervalMs + PING_INTERVAL_MS);
    expect(clientNeighbour(cluster, c)).toBe(mac);

    // The peer stops gracefully: vipd takes over after its skew time.
    const handover = pinger(cluster, c);
    await Bun.sleep(200);
    await peer.terminate();
    await waitFor(vipdState, "MASTER", skewTimeMs(c.version, VIPD_PRIORITY, intervalCs) + SLACK_MS, "vipd");
    await Bun.sleep(2 * c.advertIntervalMs);
    const stop = await handover.finish();
    expect(stop.lost * PING_INTERVAL_MS).toBeLessThanOrEqual(c.advertIntervalMs + skewTimeMs(c.version, VIPD_PRIORITY, intervalCs));

    // The peer comes back with a lower priority: vipd stays master (elected the other way).
    await peer.start(PEER_LOW);
    await waitFor(() => peer.state(), "BACKUP", SLACK_MS + 2000, "peer");
    await Bun.sleep(mdi(PEER_LOW) + c.advertIntervalMs);
    expect([await vipdState(), await peer.state()]).toEqual(["MASTER", "BACKUP"]);
    expect(await reaches(cluster, c)).toBe(true);

    const drops = (await cluster.status("vipd")).instances[0]!.drops;

    // vipd stops gracefully: the peer takes over, the client still on the virtual MAC.
    cluster.daemon("vipd").proc.kill("SIGTERM");
    await waitFor(() => peer.state(), "MASTER", mdi(PEER_LOW) + SLACK_MS, "peer");
    expect(await reaches(cluster, c)).toBe(true);
    expect(clientNeighbour(cluster, c)).toBe(mac);
    await Promise.race([cluster.daemon("vipd").proc.exited, Bun.sleep(5000)]);

    const vipdRejections = cluster.daemon("vipd").lines.filter((l) => l.includes("dropped:"));
    expect({ vipd: vipdRejections, drops, peer: peer.rejections() }).toEqual({ vipd: [], drops: {}, peer: [] });
  },
  90_000,
);
