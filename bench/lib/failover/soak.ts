// Part 5: the shortest advert interval a vipd pair holds without a spurious transition. Each interval runs a
// fresh pair for the soak time; the daemons' own counters (becameMaster in `vipd status`) say whether anyone
// changed role after the election, and the scheduler's lateness says how close it came.

import type { StatusSnapshot } from "../../../src/daemon/status.ts";
import { masterDownIntervalMs } from "../../../src/vrrp/timing.ts";
import { waitHeld } from "./addresses.ts";
import { vipOf } from "./configs.ts";
import type { BenchDaemon } from "./daemon.ts";
import { BenchPair } from "./pair.ts";
import type { BenchRegistry } from "./registry.ts";

/** VRRPv3 carries centiseconds and vipd's config accepts down to 0.01 s: 100, 50, 20 and 10 ms. */
export const SOAK_INTERVALS_CS = [10, 5, 2, 1];
const POLL_MS = 5000;
const ELECTION_TIMEOUT_MS = 15_000;

export interface SoakResult {
  intervalCs: number;
  soakedMs: number;
  /** Transitions to MASTER after the election, both routers together. */
  spurious: number;
  /** The largest timer lateness either daemon reported (since its start), and how many timers fired > 10 ms late during the soak. */
  maxLatenessMs: number;
  lateTimers: number;
  /** r2's Master_Down_Interval: lateness beyond it is what flips a backup. */
  masterDownMs: number;
  error: string | null;
}

function becameMaster(s: StatusSnapshot | null): number | null {
  return s ? s.instances.reduce((n, i) => n + i.becameMaster, 0) : null;
}

async function mustStatus(d: BenchDaemon): Promise<StatusSnapshot> {
  const s = await d.status();
  if (!s)
    throw new Error(
      `${d.host.name}'s vipd ${d.running ? "does not answer on its status socket" : "has exited"}:\n${d.process?.tail() ?? ""}`,
    );
  return s;
}

export async function soakInterval(registry: BenchRegistry, vipdBinary: string, intervalCs: number, soakMs: number): Promise<SoakResult> {
  const pair = new BenchPair(registry, vipdBinary, { daemon: "vipd", version: 3, advertIntervalCs: intervalCs, probe: false });
  const result: SoakResult = {
    intervalCs,
    soakedMs: 0,
    spurious: 0,
    maxLatenessMs: 0,
    lateTimers: 0,
    masterDownMs: masterDownIntervalMs(3, pair.r2.priority, intervalCs),
    error: null,
  };
  try {
    await pair.build();
    // r1 first: started together, the two Master_Down timers differ by a few ms only, so whichever daemon came up
    // first would win the election and be preempted, a transition that is not the soak's business.
    await pair.d1.start();
    const vips = pair.instances.map(vipOf);
    if ((await waitHeld(pair.r1.ns, vips, (n) => n === vips.length, ELECTION_TIMEOUT_MS, 50)) === null)
      throw new Error("r1 never became master");
    await pair.d2.start();
    await Bun.sleep(Math.max(500, 10 * intervalCs * 10));
    const [b1, b2] = [await mustStatus(pair.d1), await mustStatus(pair.d2)];
    const roles = `${b1.instances[0]?.state}/${b2.instances[0]?.state}`;
    if (roles !== "MASTER/BACKUP") throw new Error(`after the election r1/r2 are ${roles}, not MASTER/BACKUP`);
    const base = [becameMaster(b1)!, becameMaster(b2)!] as const;
    const start = performance.now();
    for (;;) {
      const elapsed = performance.now() - start;
      const [s1, s2] = [await mustStatus(pair.d1), await mustStatus(pair.d2)];
      result.spurious = becameMaster(s1)! - base[0] + (becameMaster(s2)! - base[1]);
      result.maxLatenessMs = Math.max(s1.timer.maxLatenessMs, s2.timer.maxLatenessMs);
      result.lateTimers = s1.timer.late + s2.timer.late - b1.timer.late - b2.timer.late;
      result.soakedMs = elapsed;
      if (elapsed >= soakMs || registry.stopping) break;
      await Bun.sleep(Math.min(POLL_MS, soakMs - elapsed));
    }
  } catch (error) {
    result.error = registry.stopping ? "interrupted" : (error as Error).message;
  } finally {
    await pair.destroy();
  }
  return result;
}
