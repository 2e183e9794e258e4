// Part 3: a daemon alone as MASTER of 1 or 100 instances (adverts going out, nobody answering), its CPU and
// memory over a quiet window. The window opens after the second gratuitous ARP burst (garp_master_delay 5 s), so
// only the steady state is counted.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { daemonRuntimeEnv } from "../../../src/daemon/runtime-env.ts";
import type { PeerKind } from "../../../src/lab/plan.ts";
import type { VrrpVersion } from "../../../src/vrrp/advert.ts";
import { waitHeld } from "./addresses.ts";
import { manyInstances, singleInstance, vipOf } from "./configs.ts";
import { BenchPair } from "./pair.ts";
import { sample, ThreadCpuMeter } from "./proc.ts";
import type { BenchRegistry } from "./registry.ts";
import { identifyProcess } from "../../../src/lab/process-identity.ts";

export interface IdleResult {
  daemon: PeerKind;
  instances: number;
  /** % of one core over the window: from utime+stime, and from schedstat. */
  statCpuPct: number;
  schedCpuPct: number;
  /** The largest VmRSS seen (summed over the daemon's processes), MB. */
  rssMb: number;
  /** Its anonymous part at that moment, MB. */
  rssAnonMb: number;
  /** Its proportional set size at that moment, MB. */
  pssMb: number;
  windowMs: number;
  error: string | null;
}

export const IDLE_VERSION: VrrpVersion = 2;
export const IDLE_INTERVAL_CS = 100;
const SETTLE_MS = 6000;
/** Threads are polled this often (one that ends loses at most this much of its run time); RSS once a second. */
const THREAD_POLL_MS = 100;
const RSS_POLL_MS = 1000;
const MASTER_TIMEOUT_MS = 20_000;

interface QuietWindow {
  statCpuPct: number;
  schedCpuPct: number;
  rssMb: number;
  rssAnonMb: number;
  pssMb: number;
  windowMs: number;
}

/** CPU over the window (threads polled often, see ThreadCpuMeter) and the peak RSS (polled once a second). */
async function watchQuiet(registry: BenchRegistry, pids: readonly number[], windowMs: number): Promise<QuietWindow> {
  const first = sample(pids);
  const threads = new ThreadCpuMeter(pids);
  const t0 = performance.now();
  let peak = first;
  let nextRssAt = t0 + RSS_POLL_MS;
  while (performance.now() - t0 < windowMs && !registry.stopping) {
    await Bun.sleep(Math.min(THREAD_POLL_MS, windowMs - (performance.now() - t0)));
    threads.poll();
    if (performance.now() < nextRssAt) continue;
    nextRssAt += RSS_POLL_MS;
    const s = sample(pids);
    if (s.rssKb > peak.rssKb) peak = s;
  }
  const last = sample(pids);
  threads.poll();
  if (last.rssKb > peak.rssKb) peak = last;
  const elapsed = performance.now() - t0;
  return {
    statCpuPct: ((last.statCpuMs - first.statCpuMs) / elapsed) * 100,
    schedCpuPct: (threads.runMs / elapsed) * 100,
    rssMb: peak.rssKb / 1024,
    rssAnonMb: peak.rssAnonKb / 1024,
    pssMb: peak.pssKb / 1024,
    windowMs: elapsed,
  };
}

export async function measureIdle(
  registry: BenchRegistry,
  vipdBinary: string,
  daemon: PeerKind,
  count: number,
  windowMs: number,
): Promise<IdleResult> {
  const pair = new BenchPair(registry, vipdBinary, {
    daemon,
    version: IDLE_VERSION,
    advertIntervalCs: IDLE_INTERVAL_CS,
    probe: false,
    instances: (plan) => (count === 1 ? singleInstance(plan.vip, plan.prefixLength, plan.vrid) : manyInstances(count)),
  });
  const result: IdleResult = {
    daemon,
    instances: count,
    statCpuPct: NaN,
    schedCpuPct: NaN,
    rssMb: NaN,
    rssAnonMb: NaN,
    pssMb: NaN,
    windowMs,
    error: null,
  };
  try {
    await pair.build();
    await pair.d1.start();
    const vips = pair.instances.map(vipOf);
    if ((await waitHeld(pair.r1.ns, vips, (n) => n === vips.length, MASTER_TIMEOUT_MS, 50)) === null) {
      throw new Error(`${daemon} did not take all ${vips.length} VIPs within ${MASTER_TIMEOUT_MS / 1000} s`);
    }
    await Bun.sleep(SETTLE_MS);
    Object.assign(result, await watchQuiet(registry, pair.d1.pids, windowMs));
  } catch (error) {
    result.error = registry.stopping ? "interrupted" : (error as Error).message;
  } finally {
    await pair.destroy();
  }
  return result;
}

export interface RuntimeFloor {
  rssMb: number;
  rssAnonMb: number;
  pssMb: number;
  cpuPct: number;
  error: string | null;
}

/**
 * The runtime's own floor, for scale: an empty program compiled as vipd is (one timer a second, the daemon's runtime
 * settings), measured like the daemon. Most of vipd's RSS is this executable's mapped pages, not vipd's data.
 */
export async function measureRuntimeFloor(registry: BenchRegistry, windowMs: number): Promise<RuntimeFloor> {
  const result: RuntimeFloor = { rssMb: NaN, rssAnonMb: NaN, pssMb: NaN, cpuPct: NaN, error: null };
  const source = join(registry.dir, "floor.ts");
  const binary = join(registry.dir, "floor");
  writeFileSync(source, "setInterval(() => {}, 1000);\n");
  const buildScript = join(import.meta.dir, "..", "..", "..", "build.ts");
  const build = Bun.spawnSync([process.execPath, buildScript, "--entry", source, "--outfile", binary], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: 120_000,
  });
  if (build.exitCode !== 0) return { ...result, error: `bun build.ts failed: ${build.stdout}${build.stderr}` };
  const proc = Bun.spawn([binary], { env: { ...process.env, ...daemonRuntimeEnv(false) }, stdout: "ignore", stderr: "ignore" });
  const identity = identifyProcess(proc.pid);
  if (identity) registry.track(identity);
  try {
    await Bun.sleep(SETTLE_MS);
    const w = await watchQuiet(registry, [proc.pid], windowMs);
    result.cpuPct = w.schedCpuPct;
    result.rssMb = w.rssMb;
    result.rssAnonMb = w.rssAnonMb;
    result.pssMb = w.pssMb;
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  return result;
}
