// Part 3: a daemon alone as MASTER of 1 or 100 instances (adverts going out, nobody answering), its CPU and
// memory over a quiet window. The window opens after the second gratuitous ARP burst (garp_master_delay 5 s), so
// only the steady state is counted.

import type { PeerKind } from "../../../src/lab/plan.ts";
import type { VrrpVersion } from "../../../src/vrrp/advert.ts";
import { waitHeld } from "./addresses.ts";
import { manyInstances, singleInstance, vipOf } from "./configs.ts";
import { BenchPair } from "./pair.ts";
import { sample } from "./proc.ts";
import type { BenchRegistry } from "./registry.ts";

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
  windowMs: number;
  error: string | null;
}

export const IDLE_VERSION: VrrpVersion = 2;
export const IDLE_INTERVAL_CS = 100;
const SETTLE_MS = 6000;
const MASTER_TIMEOUT_MS = 20_000;

export async function measureIdle(registry: BenchRegistry, vipdBinary: string, daemon: PeerKind, count: number, windowMs: number): Promise<IdleResult> {
  const pair = new BenchPair(registry, vipdBinary, {
    daemon,
    version: IDLE_VERSION,
    advertIntervalCs: IDLE_INTERVAL_CS,
    probe: false,
    instances: (plan) => (count === 1 ? singleInstance(plan.vip, plan.prefixLength, plan.vrid) : manyInstances(count)),
  });
  const result: IdleResult = { daemon, instances: count, statCpuPct: NaN, schedCpuPct: NaN, rssMb: NaN, rssAnonMb: NaN, windowMs, error: null };
  try {
    await pair.build();
    await pair.d1.start();
    const vips = pair.instances.map(vipOf);
    if ((await waitHeld(pair.r1.ns, vips, (n) => n === vips.length, MASTER_TIMEOUT_MS, 50)) === null) {
      throw new Error(`${daemon} did not take all ${vips.length} VIPs within ${MASTER_TIMEOUT_MS / 1000} s`);
    }
    await Bun.sleep(SETTLE_MS);
    const pids = pair.d1.pids;
    const first = sample(pids);
    const t0 = performance.now();
    let peak = first;
    while (performance.now() - t0 < windowMs && !registry.stopping) {
      await Bun.sleep(Math.min(1000, windowMs - (performance.now() - t0)));
      const s = sample(pids);
      if (s.rssKb > peak.rssKb) peak = s;
    }
    const last = sample(pids);
    const elapsed = performance.now() - t0;
    result.statCpuPct = ((last.statCpuMs - first.statCpuMs) / elapsed) * 100;
    result.schedCpuPct = ((last.schedCpuMs - first.schedCpuMs) / elapsed) * 100;
    result.rssMb = peak.rssKb / 1024;
    result.rssAnonMb = peak.rssAnonKb / 1024;
    result.windowMs = elapsed;
  } catch (error) {
    result.error = registry.stopping ? "interrupted" : (error as Error).message;
  } finally {
    await pair.destroy();
  }
  return result;
}
