// Proof on the wire: vipd pair vs keepalived pair, side by side, in private network namespaces (the lab's own
// network, capture and timeline code). Five parts, one table each:
//   1. the outage a pinging client sees on a hard failure, a graceful stop and a preemption, per configuration
//      (1b: the hard failure without the cut's phase: the old master's last advert → the new master's first GARP);
//   2. the new master's first gratuitous ARP against its first advert, on the wire;
//   3. idle CPU and RSS as MASTER of 1 and 100 instances;
//   4. how long 100 instances take to move after a hard failure;
//   5. (--soak) the shortest advert interval a vipd pair holds without a spurious transition;
//   memory: RSS, PSS and anonymous memory side by side with the runtime's floor (from part 3), and
//   (--memory-soak-minutes M) vipd's anonymous memory over M minutes with 100 instances and a tracker flapping.
//
//   bun bench/failover.ts [--runs 5] [--quick] [--soak] [--soak-minutes 10]      (as root; ≈10 min, --quick ≈2 min)
//   bun bench/failover.ts --memory-only [--memory-soak-minutes 10]               (part 3 and memory alone)
//
// Everything it creates carries the prefix vipdbench-<pid> and is removed at the end, on error and on Ctrl-C.

import { join } from "node:path";
import { preflight } from "../src/lab/run-lab.ts";
import {
  measureIdle,
  measureRuntimeFloor,
  IDLE_INTERVAL_CS,
  IDLE_VERSION,
  type IdleResult,
  type RuntimeFloor,
} from "./lib/failover/idle.ts";
import { measureMassMove, type MassMoveResult } from "./lib/failover/mass-move.ts";
import { parseOptions, type BenchOptions } from "./lib/failover/options.ts";
import { runOutageSeries, type OutageConfig, type OutageSeries } from "./lib/failover/outage.ts";
import { BenchRegistry } from "./lib/failover/registry.ts";
import { soakInterval, SOAK_INTERVALS_CS, type SoakResult } from "./lib/failover/soak.ts";
import {
  hardFailureTable,
  memorySoakTable,
  memoryTable,
  part1Table,
  part2Table,
  part3Table,
  part4Table,
  part5Table,
} from "./lib/failover/tables.ts";
import { MEMORY_SOAK_INSTANCES, memorySoak, type MemorySoakResult } from "./lib/failover/memory-soak.ts";

const DAEMONS = ["vipd", "keepalived"] as const;
const CONFIGS: OutageConfig[] = [
  { label: "v2 1 s", version: 2, advertIntervalCs: 100 },
  { label: "v3 100 ms", version: 3, advertIntervalCs: 10 },
  { label: "v3 20 ms", version: 3, advertIntervalCs: 2 },
];

const out = (text: string) => process.stdout.write(`${text}\n`);
const progress = (text: string) => process.stderr.write(`… ${text}\n`);

/** The binary under test, built from this tree into the run's private directory (a concurrent rebuild of dist/ cannot change it mid-run). */
function buildVipd(dir: string): string {
  const outfile = join(dir, "vipd");
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "..", "build.ts"), "--outfile", outfile], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: 120_000,
  });
  if (r.exitCode !== 0) throw new Error(`bun build.ts failed:\n${r.stdout}${r.stderr}`);
  return outfile;
}

async function main(options: BenchOptions): Promise<number> {
  const problems = preflight({ routers: 2, version: 3, peer: "keepalived" });
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`${p.replace(/vipd lab/g, "bench/failover.ts")}\n`);
    return 1;
  }
  const registry = new BenchRegistry();
  registry.install(progress);
  const started = performance.now();
  const vipd = buildVipd(registry.dir);
  const tables: string[] = [];
  const show = (table: string) => {
    tables.push(table);
    out(`\n${table}`);
  };

  // Quick: one run of the short-interval configurations; v2's 1 s adverts make each scenario take seconds.
  const skipOutages = options.soakOnly || options.memoryOnly;
  const configs = skipOutages ? [] : options.quick ? CONFIGS.filter((c) => c.version === 3) : CONFIGS;
  const series: OutageSeries[] = [];
  for (const c of configs) {
    for (const d of DAEMONS) {
      if (registry.stopping) break;
      progress(`part 1–2: ${c.label}, ${d} pair, ${options.runs} run(s) of hard failure, graceful stop, preemption`);
      series.push(await runOutageSeries(registry, vipd, c, d, options.runs));
    }
  }
  if (!skipOutages) {
    show(part1Table(configs, series, options.runs));
    show(hardFailureTable(configs, series));
    show(part2Table(configs, series));
  }

  const windowMs = options.quick ? 5000 : 30_000;
  const idle: IdleResult[] = [];
  for (const n of options.soakOnly ? [] : [1, 100]) {
    for (const d of DAEMONS) {
      if (registry.stopping) break;
      progress(`part 3: ${d} alone as MASTER of ${n} instance(s), ${windowMs / 1000} s`);
      idle.push(await measureIdle(registry, vipd, d, n, windowMs));
    }
  }
  let floor: RuntimeFloor | null = null;
  if (!options.soakOnly && !registry.stopping) {
    progress(`part 3: the runtime's floor (an empty compiled program), ${windowMs / 1000} s`);
    floor = await measureRuntimeFloor(registry, windowMs);
  }
  if (!options.soakOnly) {
    show(part3Table(idle, windowMs, `VRRPv${IDLE_VERSION}, advert ${IDLE_INTERVAL_CS / 100} s`, floor));
    show(memoryTable(idle, floor));
  }
  let memory: MemorySoakResult | null = null;
  if (options.memorySoakMinutes !== null && !registry.stopping) {
    progress(`memory soak: vipd with ${MEMORY_SOAK_INSTANCES} instances, a tracker flapping, ${options.memorySoakMinutes} min`);
    memory = await memorySoak(registry, vipd, options.memorySoakMinutes * 60_000);
  }
  if (options.memorySoakMinutes !== null || options.memoryOnly) {
    show(
      memorySoakTable(memory, options.memorySoakMinutes === null ? "ask with --memory-soak-minutes M" : `${options.memorySoakMinutes} min`),
    );
  }

  const mass: MassMoveResult[] = [];
  for (const d of skipOutages ? [] : DAEMONS) {
    if (registry.stopping) break;
    progress(`part 4: ${d} pair with 100 instances, ${options.runs} cut(s)`);
    mass.push(await measureMassMove(registry, vipd, d, options.runs));
  }
  if (!skipOutages) show(part4Table(mass));

  let soak: SoakResult[] | null = null;
  if (options.soakMinutes !== null) {
    soak = [];
    const intervals = options.soakIntervalsMs ? options.soakIntervalsMs.map((ms) => ms / 10) : SOAK_INTERVALS_CS;
    for (const cs of intervals) {
      if (registry.stopping) break;
      progress(`part 5: soak at ${cs * 10} ms for ${options.soakMinutes} min`);
      soak.push(await soakInterval(registry, vipd, cs, options.soakMinutes * 60_000));
    }
  }
  const why =
    options.soakMinutes === null ? "ask with --soak (10 min per interval) or --soak-minutes M" : `${options.soakMinutes} min per interval`;
  if (!options.memoryOnly) show(part5Table(soak, why));

  registry.destroyAllSync();
  const left = registry.leftovers();
  out(
    `\n${((performance.now() - started) / 1000).toFixed(0)} s; left behind: ${left.join(", ") || "nothing (no namespace of this run, no process it started)"}`,
  );
  return 0;
}

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
process.exit(await main(options));
