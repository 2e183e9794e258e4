// The memory soak: vipd alone as MASTER of 100 instances that all track one script, made to flap (the bench
// creates and removes the file it tests every few seconds: each flip changes 100 effective priorities, sends 100
// adverts and logs 100 lines, on top of a script run every second). vipd's anonymous memory is sampled throughout:
// it must stay flat, not creep.

import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitHeld } from "./addresses.ts";
import { manyInstances, vipOf } from "./configs.ts";
import { BenchPair } from "./pair.ts";
import { sample } from "./proc.ts";
import type { BenchRegistry } from "./registry.ts";

export const MEMORY_SOAK_INSTANCES = 100;
export const MEMORY_SOAK_FLIP_MS = 3000;
export const MEMORY_SOAK_SAMPLE_MS = 5000;
/** Below this slope the anonymous memory counts as flat (0.1 % of a MiB a minute is noise, a leak is not). */
export const MEMORY_SOAK_FLAT_MB_PER_HOUR = 1;
const SETTLE_MS = 6000;
const MASTER_TIMEOUT_MS = 20_000;
const MINUTE_MS = 60_000;

export interface MemorySoakResult {
  durationMs: number;
  flips: number;
  firstMinuteAnonMb: number;
  lastMinuteAnonMb: number;
  maxAnonMb: number;
  /**
   * Least-squares slope of the per-minute means after the first minute: the garbage collector runs about once a
   * minute, so single samples saw-tooth; the first minute holds the start-up garbage.
   */
  growthMbPerHour: number;
  /** The mean of each minute's samples. */
  minuteMeansMb: number[];
  samples: { atMs: number; anonMb: number }[];
  error: string | null;
}

export async function memorySoak(registry: BenchRegistry, vipdBinary: string, durationMs: number): Promise<MemorySoakResult> {
  const flag = join(registry.dir, "memory-soak.flag");
  writeFileSync(flag, "");
  const pair = new BenchPair(registry, vipdBinary, {
    daemon: "vipd",
    version: 2,
    advertIntervalCs: 100,
    probe: false,
    instances: () => manyInstances(MEMORY_SOAK_INSTANCES),
    trackFlag: flag,
  });
  const samples: { atMs: number; anonMb: number }[] = [];
  let flips = 0;
  let error: string | null = null;
  try {
    await pair.build();
    await pair.d1.start();
    const vips = pair.instances.map(vipOf);
    if ((await waitHeld(pair.r1.ns, vips, (n) => n === vips.length, MASTER_TIMEOUT_MS, 50)) === null) {
      throw new Error(`vipd did not take all ${vips.length} VIPs within ${MASTER_TIMEOUT_MS / 1000} s`);
    }
    await Bun.sleep(SETTLE_MS);
    const t0 = performance.now();
    let nextFlip = t0 + MEMORY_SOAK_FLIP_MS;
    let nextSample = t0;
    while (!registry.stopping && performance.now() - t0 < durationMs) {
      const now = performance.now();
      if (now >= nextSample) {
        samples.push({ atMs: now - t0, anonMb: sample(pair.d1.pids).rssAnonKb / 1024 });
        nextSample += MEMORY_SOAK_SAMPLE_MS;
      }
      if (now >= nextFlip) {
        if (flips % 2 === 0) rmSync(flag, { force: true });
        else writeFileSync(flag, "");
        flips++;
        nextFlip += MEMORY_SOAK_FLIP_MS;
      }
      await Bun.sleep(Math.max(1, Math.min(nextFlip, nextSample) - performance.now()));
    }
    if (!pair.d1.running) throw new Error("vipd exited during the soak");
  } catch (e) {
    error = registry.stopping ? "interrupted" : (e as Error).message;
  } finally {
    await pair.destroy();
  }
  return summarizeSoak(samples, flips, error);
}

/** The soak's figures from its samples (pure: tested on its own). */
export function summarizeSoak(samples: { atMs: number; anonMb: number }[], flips: number, error: string | null): MemorySoakResult {
  const durationMs = samples.at(-1)?.atMs ?? 0;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const first = samples.filter((s) => s.atMs < MINUTE_MS).map((s) => s.anonMb);
  const last = samples.filter((s) => s.atMs >= durationMs - MINUTE_MS).map((s) => s.anonMb);
  // Each minute's mean, placed at the mean time of its samples (the last minute may be partial).
  const minutes: { atMs: number; anonMb: number }[] = [];
  for (let m = 0; m * MINUTE_MS <= durationMs; m++) {
    const inMinute = samples.filter((s) => s.atMs >= m * MINUTE_MS && s.atMs < (m + 1) * MINUTE_MS);
    if (inMinute.length > 0) minutes.push({ atMs: mean(inMinute.map((s) => s.atMs)), anonMb: mean(inMinute.map((s) => s.anonMb)) });
  }
  const minuteMeansMb = minutes.map((m) => m.anonMb);
  const settled = minutes.slice(1);
  return {
    durationMs,
    flips,
    firstMinuteAnonMb: mean(first),
    lastMinuteAnonMb: mean(last),
    maxAnonMb: Math.max(...samples.map((s) => s.anonMb)),
    growthMbPerHour: slopePerMs(settled) * 3_600_000,
    minuteMeansMb,
    samples,
    error: error ?? (samples.length === 0 ? "no sample taken" : null),
  };
}

function slopePerMs(points: { atMs: number; anonMb: number }[]): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((a, p) => a + p.atMs, 0) / points.length;
  const my = points.reduce((a, p) => a + p.anonMb, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.atMs - mx) * (p.anonMb - my);
    den += (p.atMs - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
