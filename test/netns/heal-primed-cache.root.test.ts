// Heal after a partition, with the client's cache primed to the loser (#12 item 5). The two routers lose sight
// of each other (their bridge ports isolated; both still reach the client), the loser (priority 100) takes over
// beside the winner (150) and its gratuitous ARP / unsolicited NA points the client's ARP or neighbour entry for
// the VIP at the loser's MAC. Then the partition heals: the loser steps down and drops the VIP, so unless the
// winner announces itself again the client keeps sending to a MAC that no longer answers (24–25 s before the
// fix, until the entry went stale). After the heal the client must reach the single master within one advert
// interval. A vipd pair, and vipd beside keepalived 2.2.7 in both roles, IPv4 and IPv6.

import { afterEach, expect, test } from "bun:test";
import { ClientProbe, PROBE_INTERVAL_MS } from "./client-probe.ts";
import { ADVERT_INTERVAL_MS, type Family, MDI_MAX_MS, nodeToml, VIP } from "./fault-world.ts";
import { requireLabPrerequisites } from "./harness.ts";
import { Keepalived } from "./keepalived.ts";
import { type Impl, KEEPALIVED_GLOBAL, keepalivedConf } from "./interop-pair.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

/** One probe period (a miss is only seen when the next probe goes out) and scheduling on a busy machine. */
const SLACK_MS = 2 * PROBE_INTERVAL_MS + 30;

/**
 * keepalived yields to a higher priority without a word unless told to send one advert first: then, when the
 * winner's advert crosses the heal first, nobody ever re-announces the winner and the client keeps the loser's MAC
 * until its cache entry expires (seen here: IPv6, vipd winning). vipd always sends that advert; a keepalived peer
 * needs `vrrp_higher_prio_send_advert` (README says so).
 */
const KEEPALIVED_WITH_HIGHER_PRIO_ADVERT = KEEPALIVED_GLOBAL.replace("}", "    vrrp_higher_prio_send_advert\n}");

const WINNER = "a";
const LOSER = "b";

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

/** A router of either implementation on a lab host, seen the same way: start, state. */
interface Side {
  start(): Promise<void>;
  state(): Promise<string>;
  log(): string[];
}

function side(c: VipdCluster, host: string, impl: Impl, family: Family, priority: number, keepaliveds: Keepalived[]): Side {
  if (impl === "vipd") {
    return {
      async start() {
        c.writeConfig(host, nodeToml({ priority, family }));
        await c.start(host);
      },
      state: () => c.state(host),
      log: () => c.daemon(host).lines,
    };
  }
  let k: Keepalived | null = null;
  return {
    async start() {
      const self = family === 4 ? c.lab.ipv4(host) : c.lab.ipv6(host);
      const conf = keepalivedConf(
        { name: "heal", version: 3, family, advertInt: ADVERT_INTERVAL_MS / 1000, crash: "SIGKILL" },
        { priority },
        { self, peer: self },
      );
      k = Keepalived.start(c.lab, host, `keepalived-${host}`, KEEPALIVED_WITH_HIGHER_PRIO_ADVERT + conf);
      keepaliveds.push(k);
      await k.waitLog(/\(VI_1\) Entering BACKUP STATE/, 5000);
    },
    async state() {
      const lines = k?.proc.lines ?? [];
      for (let i = lines.length - 1; i >= 0; i--) {
        const m = /\(VI_1\) Entering (\w+) STATE/.exec(lines[i]!);
        if (m) return m[1]!;
      }
      return "INIT";
    },
    log: () => k?.proc.lines ?? [],
  };
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}

/** The MAC the client's ARP (IPv4) or neighbour (IPv6) entry for the VIP holds, or null. */
function clientNeighbourMac(c: VipdCluster, family: Family): string | null {
  const out = c.lab.exec("client", ["ip", `-${family}`, "neigh", "show", VIP[family], "dev", "eth0"]).stdout;
  return /lladdr ([0-9a-f:]{17})/.exec(out)?.[1] ?? null;
}

const PAIRS: Array<{ winner: Impl; loser: Impl }> = [
  { winner: "vipd", loser: "vipd" },
  { winner: "keepalived", loser: "vipd" },
  { winner: "vipd", loser: "keepalived" },
];

const CASES = PAIRS.flatMap((p) =>
  ([4, 6] as const).map((family) => [`${p.winner} wins, ${p.loser} loses, IPv${family}`, p, family] as const),
);

test.each(CASES)(
  "heal with the client's cache on the loser: %s",
  async (_name, pair, family) => {
    requireLabPrerequisites(["keepalived"]);
    vipdBinary();
    const c = await VipdCluster.create([WINNER, LOSER]);
    const keepaliveds: Keepalived[] = [];
    let probe: ClientProbe | null = null;
    cleanup = async () => {
      await probe?.stop();
      for (const k of keepaliveds) await k.stop();
      await c.destroy();
    };
    const winner = side(c, WINNER, pair.winner, family, 150, keepaliveds);
    const loser = side(c, LOSER, pair.loser, family, 100, keepaliveds);
    const vip = VIP[family];
    const isolate = (on: boolean) => {
      for (const host of [WINNER, LOSER])
        c.lab.mustIn(c.lab.bridgeNs!, ["bridge", "link", "set", "dev", c.lab.bridgePort(host), "isolated", on ? "on" : "off"]);
    };
    const explain = () => `winner log:\n${winner.log().slice(-15).join("\n")}\nloser log:\n${loser.log().slice(-15).join("\n")}`;

    await winner.start();
    await waitUntil("winner MASTER", async () => (await winner.state()) === "MASTER", 3000);
    await loser.start();
    probe = ClientProbe.start(c.lab, "client", vip, 60);
    await probe.waitAnswered(Date.now(), 3000);
    expect(clientNeighbourMac(c, family)).toBe(c.lab.mac(WINNER));

    // The partition: the loser takes over and its announcements move the client's entry to its MAC.
    isolate(true);
    await waitUntil("loser MASTER in the partition", async () => (await loser.state()) === "MASTER", MDI_MAX_MS + 2000);
    await waitUntil("client's entry on the loser's MAC", () => clientNeighbourMac(c, family) === c.lab.mac(LOSER), 2000);
    await Bun.sleep(3 * ADVERT_INTERVAL_MS);
    expect(await winner.state()).toBe("MASTER");
    expect(clientNeighbourMac(c, family)).toBe(c.lab.mac(LOSER));

    isolate(false);
    const healed = Date.now();
    await waitUntil("loser BACKUP after the heal", async () => (await loser.state()) === "BACKUP", 3000);
    await Bun.sleep(1000);
    const reachedMs = probe.reachedAfter(healed);
    const holders = c.holders(vip);
    const mac = clientNeighbourMac(c, family);
    console.log(
      `  ${pair.winner} wins, ${pair.loser} loses, IPv${family}: client reached the master ${reachedMs?.toFixed(0)} ms after the heal`,
    );
    expect({ winner: await winner.state(), loser: await loser.state(), holders, mac }, explain()).toEqual({
      winner: "MASTER",
      loser: "BACKUP",
      holders: [WINNER],
      mac: c.lab.mac(WINNER),
    });
    expect(reachedMs, explain()).not.toBeNull();
    expect(reachedMs!, explain()).toBeLessThanOrEqual(ADVERT_INTERVAL_MS + SLACK_MS);
  },
  30_000,
);
