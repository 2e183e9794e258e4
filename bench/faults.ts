// What happens when… a pair is faulted: a vipd pair and a keepalived 2.2.7 pair, the same faults, side by side
// (README's "What happens when…" table). Each fault gets a fresh namespace lab: routers a (priority 150, MASTER)
// and b (100), one v3 instance at 100 ms over IPv4, and a client pinging the VIP every 10 ms. Per fault and
// daemon it prints the client's outage over the whole fault (missed probes × 10 ms) and how long after the fault
// cleared the client reached the VIP for good. keepalived runs with its defaults (no global_defs options).
//
//   bun bench/faults.ts [--runs N]      (as root; ≈ 2 min per run)
//
// The labs reuse the namespace tests' builders (test/netns): names carry a per-run prefix, each lab is removed
// after its fault, also on error.

import { ClientProbe, PROBE_INTERVAL_MS } from "../test/netns/client-probe.ts";
import { MDI_MAX_MS, nodeToml, VIP } from "../test/netns/fault-world.ts";
import { requireLabPrerequisites } from "../test/netns/harness.ts";
import { KEEPALIVED_GLOBAL, keepalivedConf } from "../test/netns/interop-pair.ts";
import { Keepalived } from "../test/netns/keepalived.ts";
import { VipdCluster, vipdBinary } from "../test/netns/vipd-cluster.ts";
import { formatTable } from "./lib/table.ts";

type Daemon = "vipd" | "keepalived";
const DAEMONS: Daemon[] = ["vipd", "keepalived"];
/** How long a fault's aftermath is watched before the client is declared cut off. */
const WATCH_MS = 12_000;

/** One router of either daemon on a lab host: start, crash, state. */
class Router {
  private keepalived: Keepalived | null = null;
  private runs = 0;

  constructor(
    private readonly c: VipdCluster,
    readonly host: string,
    readonly daemon: Daemon,
    private readonly priority: number,
  ) {}

  async start(): Promise<void> {
    if (this.daemon === "vipd") {
      this.c.writeConfig(this.host, nodeToml({ priority: this.priority, family: 4 }));
      await this.c.start(this.host);
      return;
    }
    const self = this.c.lab.ipv4(this.host);
    const conf = keepalivedConf(
      { name: "faults", version: 3, family: 4, advertInt: 0.1, crash: "SIGKILL" },
      { priority: this.priority },
      { self, peer: self },
    );
    this.keepalived = Keepalived.start(this.c.lab, this.host, `keepalived-${this.host}-${++this.runs}`, KEEPALIVED_GLOBAL + conf);
    await this.keepalived.waitLog(/\(VI_1\) Entering BACKUP STATE/, 5000);
  }

  /** SIGKILL of the process that speaks VRRP (keepalived's VRRP child and its parent). */
  async crash(): Promise<void> {
    if (this.daemon === "vipd") {
      const d = this.c.daemon(this.host);
      d.proc.kill("SIGKILL");
      await Promise.race([d.proc.exited, Bun.sleep(2000)]);
    } else await this.keepalived!.crash();
  }

  async state(): Promise<string> {
    if (this.daemon === "vipd") return this.c.state(this.host);
    const lines = this.keepalived?.proc.exited === false ? this.keepalived.proc.lines : [];
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = /\(VI_1\) Entering (\w+) STATE/.exec(lines[i]!);
      if (m) return m[1]!;
    }
    return "down";
  }

  async stop(): Promise<void> {
    await this.keepalived?.stop();
  }
}

interface World {
  c: VipdCluster;
  a: Router;
  b: Router;
}

async function waitState(r: Router, state: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await r.state()) !== state) {
    if (performance.now() > deadline) throw new Error(`${r.daemon} on ${r.host} is not ${state} after ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}

const isolate = (w: World, on: boolean) => {
  for (const host of ["a", "b"])
    w.c.lab.mustIn(w.c.lab.bridgeNs!, ["bridge", "link", "set", "dev", w.c.lab.bridgePort(host), "isolated", on ? "on" : "off"]);
};

interface Fault {
  name: string;
  /** Breaks and mends the world; returns the wall-clock ms at which the fault cleared. */
  run(w: World): Promise<number>;
}

const FAULTS: Fault[] = [
  {
    name: "the MASTER's link flaps (down until the BACKUP took over)",
    async run(w) {
      w.c.lab.linkSet("a", "eth0", "down");
      await waitState(w.b, "MASTER", MDI_MAX_MS + 2000);
      w.c.lab.linkSet("a", "eth0", "up");
      return Date.now();
    },
  },
  {
    name: "the MASTER's interface is deleted and recreated",
    async run(w) {
      const lab = w.c.lab;
      lab.must("a", ["ip", "link", "del", "eth0"]);
      await waitState(w.b, "MASTER", MDI_MAX_MS + 2000);
      lab.replug("a");
      return Date.now();
    },
  },
  {
    name: "the MASTER is SIGKILLed, then restarted",
    async run(w) {
      await w.a.crash();
      await waitState(w.b, "MASTER", MDI_MAX_MS + 2000);
      const restarted = Date.now();
      await w.a.start();
      return restarted;
    },
  },
  {
    name: "the routers are partitioned, then healed (client on the loser)",
    async run(w) {
      isolate(w, true);
      await waitState(w.b, "MASTER", MDI_MAX_MS + 2000);
      await Bun.sleep(500);
      isolate(w, false);
      return Date.now();
    },
  },
  {
    name: "the VIP is deleted behind the MASTER's back",
    async run(w) {
      w.c.lab.must("a", ["ip", "addr", "del", `${VIP[4]}/24`, "dev", "eth0"]);
      return Date.now();
    },
  },
];

interface Measure {
  outageMs: number;
  /** After the fault cleared, until the client reached the VIP for good; null: not within WATCH_MS. */
  reachedMs: number | null;
  end: string;
}

async function measure(daemon: Daemon, fault: Fault): Promise<Measure> {
  const c = await VipdCluster.create(["a", "b"]);
  const w: World = { c, a: new Router(c, "a", daemon, 150), b: new Router(c, "b", daemon, 100) };
  let probe: ClientProbe | null = null;
  try {
    await w.a.start();
    await waitState(w.a, "MASTER", 5000);
    await w.b.start();
    probe = ClientProbe.start(c.lab, "client", VIP[4], 120);
    await probe.waitAnswered(Date.now(), 3000);
    await Bun.sleep(300);
    const injected = Date.now();
    const cleared = await fault.run(w);
    // Watch until the client has been answered for a second after the last miss, or WATCH_MS.
    const deadline = performance.now() + WATCH_MS;
    while (performance.now() < deadline) {
      const reached = probe.reachedAfter(cleared);
      if (reached !== null && Date.now() - (cleared + reached) > 1000) break;
      await Bun.sleep(100);
    }
    const states = `a ${await w.a.state()}, b ${await w.b.state()}; VIP on ${c.holders(VIP[4]).join(", ") || "nobody"}`;
    return { outageMs: probe.missedSince(injected) * PROBE_INTERVAL_MS, reachedMs: probe.reachedAfter(cleared), end: states };
  } finally {
    await probe?.stop();
    await w.a.stop();
    await w.b.stop();
    await c.destroy();
  }
}

/** "median ms", or "median ms (max M)" over several runs: a race lost once in a while shows in the max. */
function spread(values: number[]): string {
  const s = [...values].sort((x, y) => x - y);
  const text = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : `> ${WATCH_MS / 1000} s`);
  const median = s[Math.floor(s.length / 2)]!;
  return s.length === 1 ? text(median) : `${text(median)} (max ${text(s.at(-1)!)})`;
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf("--runs");
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number ≥ 1");
  requireLabPrerequisites(["keepalived", "ping", "bridge"]);
  vipdBinary();
  const rows: string[][] = [];
  for (const fault of FAULTS) {
    const cells: string[] = [fault.name];
    for (const daemon of DAEMONS) {
      const results: Measure[] = [];
      for (let i = 0; i < runs; i++) {
        process.stderr.write(`… ${daemon}: ${fault.name} (run ${i + 1}/${runs})\n`);
        results.push(await measure(daemon, fault));
      }
      const outages = results.map((r) => r.outageMs);
      const reached = results.map((r) => r.reachedMs ?? Number.POSITIVE_INFINITY);
      cells.push(spread(outages), spread(reached));
      process.stderr.write(`  ${results.map((r) => r.end).join(" | ")}\n`);
    }
    rows.push(cells);
  }
  const header = ["fault (v3, 100 ms adverts, IPv4)", "vipd outage", "vipd after clear", "keepalived outage", "keepalived after clear"];
  process.stdout.write(`${formatTable(header, rows)}\n`);
  process.stdout.write(
    `(median${runs > 1 ? " and max" : ""} of ${runs} run${runs > 1 ? "s" : ""}; outage = missed 10 ms pings over the whole fault)\n`,
  );
}

await main();
