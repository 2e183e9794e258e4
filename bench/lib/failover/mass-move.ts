// Part 4: a pair with 100 instances each (VRRPv3, 100 ms); the master's cable is cut and the backup's addresses
// are polled (`ip -j addr`, every 10 ms) until it holds all 100 VIPs. Timed from the cut, on this host's clock.

import type { PeerKind } from "../../../src/lab/plan.ts";
import { masterDownIntervalMs } from "../../../src/vrrp/timing.ts";
import { countHeld, waitHeld } from "./addresses.ts";
import { manyInstances, vipOf } from "./configs.ts";
import { BenchPair } from "./pair.ts";
import type { BenchRegistry } from "./registry.ts";

export const MASS_INSTANCES = 100;
export const MASS_INTERVAL_CS = 10;
export const MASS_VERSION = 3;
const POLL_MS = 10;
const MOVE_TIMEOUT_MS = 10_000;
const SETTLE_TIMEOUT_MS = 30_000;

export interface MassMoveResult {
  daemon: PeerKind;
  /** Per run: ms from the cut until the backup held the first VIP, and all of them. */
  firstMs: number[];
  allMs: number[];
  error: string | null;
}

/** The RFC's figure: every instance's Master_Down_Interval on the backup (priority 140). */
export function massMoveFloorMs(): number {
  return masterDownIntervalMs(MASS_VERSION, 140, MASS_INTERVAL_CS);
}

export async function measureMassMove(
  registry: BenchRegistry,
  vipdBinary: string,
  daemon: PeerKind,
  runs: number,
): Promise<MassMoveResult> {
  const pair = new BenchPair(registry, vipdBinary, {
    daemon,
    version: MASS_VERSION,
    advertIntervalCs: MASS_INTERVAL_CS,
    probe: false,
    instances: () => manyInstances(MASS_INSTANCES),
  });
  const result: MassMoveResult = { daemon, firstMs: [], allMs: [], error: null };
  const vips = pair.instances.map(vipOf);
  const all = (n: number) => n === vips.length;
  try {
    await pair.build();
    await Promise.all([pair.d1.start(), pair.d2.start()]);
    for (let i = 0; i < runs && !registry.stopping; i++) {
      // r1 holds everything and r2 nothing, for a while: a settled pair (r1 preempted back after the last run).
      if ((await waitHeld(pair.r1.ns, vips, all, SETTLE_TIMEOUT_MS, 50)) === null)
        throw new Error(`r1 did not hold all ${vips.length} VIPs`);
      if ((await waitHeld(pair.r2.ns, vips, (n) => n === 0, SETTLE_TIMEOUT_MS, 50)) === null)
        throw new Error("r2 kept VIPs while r1 is master");
      await Bun.sleep(1000);
      const start = performance.now();
      pair.net.setPort(pair.r1, "down");
      let first: number | null = null;
      for (;;) {
        const held = countHeld(pair.r2.ns, vips);
        const at = performance.now() - start;
        if (held > 0 && first === null) first = at;
        if (all(held)) {
          result.firstMs.push(first!);
          result.allMs.push(at);
          break;
        }
        if (at > MOVE_TIMEOUT_MS) throw new Error(`r2 held ${held} of ${vips.length} VIPs ${MOVE_TIMEOUT_MS / 1000} s after the cut`);
        await Bun.sleep(POLL_MS);
      }
      pair.net.setPort(pair.r1, "up");
    }
  } catch (error) {
    result.error = registry.stopping ? "interrupted" : (error as Error).message;
  } finally {
    await pair.destroy();
  }
  return result;
}
