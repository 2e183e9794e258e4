// The interop matrix: every configuration × both directions (keepalived high / vipd low, and the reverse) × one
// failover story told in steps. Each step is one test; they run in order on one pair, and a step after a failed one
// fails at once (naming the failed step) instead of running on a broken pair.
//
// The story, with X the higher priority (150) and Y the lower (100):
//   election → SIGTERM of X (priority 0: Y within Skew_Time) → X returns and preempts (after its
//   Master_Down_Interval) → X dies (SIGKILL or link down: Y within Master_Down_Interval) → X returns with
//   nopreempt and stays BACKUP → SIGTERM of Y (priority 0: X within Skew_Time) → no rejected advert anywhere.
// So each implementation is, across the two directions, the one that stops, dies, preempts, refrains and takes over.
//
// Timing claims use the RFC formulas (src/vrrp/timing.ts). A priority-0 takeover must come within Skew_Time plus a
// slack that stays below the earliest a takeover by Master_Down_Interval could come (MDI − one interval after the
// master's last advert), so the two can never be confused.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Impl, type InteropConfig, InteropPair, otherImpl } from "./interop-pair.ts";

export const HIGH = 150;
export const LOW = 100;
/** Process scheduling, log pipes and status polling on a 2-core VM, added to a Master_Down_Interval. */
const MDI_SLACK_MS = 400;
/** How long past a deadline a state must hold to show the deadline passed without effect. */
const WATCH_PAST_MS = 400;
/** Between starting the higher and the lower priority (more than the difference of their Master_Down_Intervals). */
const STAGGER_MS = 300;
/** Startup of a process (vipd's compiled binary, keepalived) before its own timers run. */
const STARTUP_SLACK_MS = 1500;

/** v2 needs whole seconds (1 s is keepalived's minimum); v3 runs at 0.25 s: fast, yet Skew_Time + slack stays
 *  well below Master_Down_Interval − interval (at 0.1 s the gap, 200 ms, is too small to tell them apart). */
export const CONFIGS: InteropConfig[] = [
  { name: "v2 multicast", version: 2, family: 4, advertInt: 1, crash: "SIGKILL" },
  { name: "v2 multicast PASS", version: 2, family: 4, advertInt: 1, auth: "s3cret", crash: "link down" },
  { name: "v2 unicast", version: 2, family: 4, advertInt: 1, unicast: true, crash: "SIGKILL" },
  { name: "v3/IPv4 multicast", version: 3, family: 4, advertInt: 0.25, crash: "SIGKILL" },
  { name: "v3/IPv4 unicast", version: 3, family: 4, advertInt: 0.25, unicast: true, crash: "link down" },
  { name: "v3/IPv6 multicast", version: 3, family: 6, advertInt: 0.25, crash: "link down" },
  // keepalived 2.2.7 sends IPv6 unicast adverts with the kernel's default hop limit (64) and checks TTL/hop limit
  // only on multicast instances; vipd does the same (it used to drop them as bad-ttl, and both became MASTER).
  { name: "v3/IPv6 unicast", version: 3, family: 6, advertInt: 0.25, unicast: true, crash: "SIGKILL" },
];

class Story {
  pair!: InteropPair;
  failedStep: string | null = null;
  readonly timings: string[] = [];

  constructor(
    readonly cfg: InteropConfig,
    /** X: the implementation with the higher priority. */
    readonly X: Impl,
  ) {}

  get Y(): Impl {
    return otherImpl(this.X);
  }

  get intervalMs(): number {
    return this.cfg.advertInt * 1000;
  }

  priorityOf(impl: Impl): number {
    return impl === this.X ? HIGH : LOW;
  }

  mdi(impl: Impl): number {
    return this.pair.masterDownIntervalMs(this.priorityOf(impl));
  }

  /** The longest a priority-0 takeover may take, checked to be shorter than any takeover by Master_Down_Interval. */
  skewBound(impl: Impl): number {
    const bound = this.pair.skewTimeMs(this.priorityOf(impl)) + Math.min(500, 2 * this.intervalMs - 150);
    const earliestMdiTakeover = this.mdi(impl) - this.intervalMs;
    if (bound >= earliestMdiTakeover)
      throw new Error(`test constants: skew bound ${bound} ms ≥ earliest MDI takeover ${earliestMdiTakeover} ms`);
    return bound;
  }

  note(what: string, ms: number, expected: string): void {
    this.timings.push(`${what}: ${Math.round(ms)} ms (${expected})`);
  }

  async expectStates(states: Partial<Record<Impl, string>>): Promise<void> {
    for (const [impl, state] of Object.entries(states) as [Impl, string][]) {
      expect(`${impl} ${await this.pair.router(impl).state()}`).toBe(`${impl} ${state}`);
    }
  }

  async waitHolders(expected: Impl[], timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until && JSON.stringify(this.pair.vipHolders()) !== JSON.stringify(expected)) await Bun.sleep(20);
    expect(this.pair.vipHolders()).toEqual(expected);
  }

  async expectNoRejections(): Promise<void> {
    expect(await this.pair.keepalived.rejections()).toEqual([]);
    expect(await this.pair.vipd.rejections()).toEqual([]);
  }

  /** The side that is BACKUP accepted the master's adverts: it knows the master and never became MASTER itself. */
  async expectFollows(backup: Impl, master: Impl): Promise<void> {
    if (backup === "vipd") {
      const i = (await this.pair.vipd.status()).instances[0]!;
      expect(i).toMatchObject({ state: "BACKUP", master: this.pair.advertSource(master), becameMaster: 0, drops: {}, lastDrop: null });
      expect(i.advertsReceived).toBeGreaterThan(0);
    } else {
      expect(this.pair.keepalived.log().filter((l) => l.includes("Entering MASTER STATE"))).toEqual([]);
    }
  }

  /** SIGTERM of the master: the backup takes over within its Skew_Time. */
  async stopMaster(master: Impl, backup: Impl): Promise<void> {
    await this.expectStates({ [master]: "MASTER", [backup]: "BACKUP" });
    const bound = this.skewBound(backup);
    const m = this.pair.router(master);
    m.terminate();
    const took = await this.pair.waitState(backup, "MASTER", bound + 2000);
    this.note(
      `SIGTERM of ${master} → ${backup} MASTER`,
      took,
      `Skew_Time ${this.pair.skewTimeMs(this.priorityOf(backup)).toFixed(0)} ms, bound ${bound.toFixed(0)}, MDI ${this.mdi(backup).toFixed(0)}`,
    );
    expect(took).toBeLessThan(bound);
    // vipd keeps the VIPs until the new master advertises; neither may outlive a priority-1 Master_Down_Interval.
    await m.waitExit(this.pair.masterDownIntervalMs(1) + 3000);
    const sentZero = master === "keepalived" ? /\(VI_1\) sent 0 priority/ : /priority 0 sent/;
    expect(m.log().some((l) => sentZero.test(l))).toBe(true);
    await this.waitHolders([backup], 1000);
    await this.expectNoRejections();
  }

  // ---- the steps ----------------------------------------------------------------------------------------

  async election(): Promise<void> {
    const { X, Y, pair } = this;
    await pair.router(X).start({ priority: HIGH });
    // Y starts a little later, so X's Master_Down_Interval surely runs out first, as in a staggered boot.
    await Bun.sleep(STAGGER_MS);
    await pair.router(Y).start({ priority: LOW });
    const yRunning = performance.now();
    await pair.waitState(X, "MASTER", this.mdi(X) + STARTUP_SLACK_MS);
    // Had Y dropped X's adverts, it would become MASTER one Master_Down_Interval after it started: watch past that.
    await Bun.sleep(Math.max(0, yRunning + this.mdi(Y) + WATCH_PAST_MS - performance.now()));
    await this.expectStates({ [X]: "MASTER", [Y]: "BACKUP" });
    await this.expectFollows(Y, X);
    await this.waitHolders([X], 1000);
    await this.expectNoRejections();
  }

  async stopHigh(): Promise<void> {
    await this.stopMaster(this.X, this.Y);
  }

  async preempt(): Promise<void> {
    const { X, Y, pair } = this;
    await this.expectStates({ [X]: "down", [Y]: "MASTER" });
    const started = performance.now();
    await pair.router(X).start({ priority: HIGH });
    // X ignores Y's lower-priority adverts, so its Master_Down_Interval runs out: it takes over then, not at once.
    await pair.waitState(X, "MASTER", this.mdi(X) + STARTUP_SLACK_MS + 1000);
    const took = performance.now() - started;
    this.note(`${X} (150) returns → MASTER`, took, `MDI ${this.mdi(X).toFixed(0)} ms + startup`);
    expect(took).toBeGreaterThan(this.mdi(X) - 50);
    expect(took).toBeLessThan(this.mdi(X) + STARTUP_SLACK_MS);
    await pair.waitState(Y, "BACKUP", 2 * this.intervalMs + 1000);
    await this.waitHolders([X], 1000);
    await this.expectNoRejections();
  }

  async crash(): Promise<void> {
    const { X, Y, pair } = this;
    await this.expectStates({ [X]: "MASTER", [Y]: "BACKUP" });
    if (this.cfg.crash === "SIGKILL") await pair.router(X).kill();
    else pair.linkSet(X, "down");
    const took = await pair.waitState(Y, "MASTER", this.mdi(Y) + MDI_SLACK_MS + 2000);
    this.note(
      `${this.cfg.crash} of ${X} → ${Y} MASTER`,
      took,
      `MDI ${this.mdi(Y).toFixed(0)} ms, earliest ${(this.mdi(Y) - this.intervalMs).toFixed(0)}`,
    );
    // The backup waited for the master's silence (not a priority 0), and no longer than its Master_Down_Interval.
    expect(took).toBeGreaterThan(this.mdi(Y) - this.intervalMs - 100);
    expect(took).toBeLessThan(this.mdi(Y) + MDI_SLACK_MS);
    if (this.cfg.crash === "link down") {
      // The dead link's side goes to FAULT and gives the VIP up.
      await pair.waitState(X, "FAULT", 3000);
      await this.waitHolders([Y], 1000);
    } else {
      // A crash leaves X's VIP behind on its host; Y holds it too now.
      expect(pair.vipHolders()).toContain(Y);
    }
    await this.expectNoRejections();
  }

  async nopreempt(): Promise<void> {
    const { X, Y, pair } = this;
    const x = pair.router(X);
    if (x.running) {
      // After a link down X is in FAULT: stop it (no priority 0 from a FAULT), then bring the link back.
      x.terminate();
      await x.waitExit(3000);
    }
    if (this.cfg.crash === "link down") pair.linkSet(X, "up");
    await this.expectStates({ [X]: "down", [Y]: "MASTER" });
    await x.start({ priority: HIGH, nopreempt: true });
    // With preemption X would take over one Master_Down_Interval after starting: watch past that.
    const until = performance.now() + this.mdi(X) + WATCH_PAST_MS;
    for (let n = 0; performance.now() < until && n < 10_000; n++) {
      await this.expectStates({ [X]: "BACKUP", [Y]: "MASTER" });
      await Bun.sleep(20);
    }
    await this.expectFollows(X, Y);
    // The restarted X also cleared any VIP its crashed run left behind.
    await this.waitHolders([Y], 2000);
    await this.expectNoRejections();
  }

  async stopLow(): Promise<void> {
    await this.stopMaster(this.Y, this.X);
  }

  async noRejections(): Promise<void> {
    // Every log line of every run of both sides, and vipd's drop counters while it runs.
    await this.expectNoRejections();
  }
}

interface Step {
  title(s: Story): string;
  run(s: Story): Promise<void>;
  timeoutMs?: number;
}

/** The scenarios, in story order. */
export const STEPS: Step[] = [
  {
    title: ({ X, Y }) => `${X} (150) and ${Y} (100) start → election: ${X} MASTER, ${Y} BACKUP following ${X}'s adverts`,
    run: (s) => s.election(),
  },
  {
    title: ({ X, Y }) =>
      `${X} MASTER, ${Y} BACKUP: SIGTERM of ${X} (priority 0) → ${Y} takes over within Skew_Time, long before Master_Down_Interval`,
    run: (s) => s.stopHigh(),
  },
  {
    title: ({ X, Y }) => `${Y} MASTER: ${X} (150, preempt) comes back → takes over after its Master_Down_Interval, ${Y} BACKUP`,
    run: (s) => s.preempt(),
  },
  {
    title: ({ X, Y, cfg }) => `${X} MASTER, ${Y} BACKUP: ${cfg.crash} of ${X} → ${Y} takes over within Master_Down_Interval`,
    run: (s) => s.crash(),
  },
  {
    title: ({ X, Y }) => `${Y} MASTER: ${X} (150, nopreempt) comes back → stays BACKUP, ${Y} keeps the VIP`,
    run: (s) => s.nopreempt(),
  },
  {
    title: ({ X, Y }) => `${Y} MASTER, ${X} BACKUP (nopreempt): SIGTERM of ${Y} (priority 0) → ${X} takes over within Skew_Time`,
    run: (s) => s.stopLow(),
  },
  {
    title: () => `neither side ever rejected an advert from the other`,
    run: (s) => s.noRejections(),
  },
];

/** Defines one describe block per configuration and direction, one test per step. Runs them one pair at a time. */
export function defineInteropMatrix(configs: InteropConfig[]): void {
  for (const cfg of configs) {
    for (const high of ["keepalived", "vipd"] as const) {
      const story = new Story(cfg, high);
      describe(`${cfg.name}: ${high} priority 150, ${otherImpl(high)} 100`, () => {
        beforeAll(async () => {
          story.pair = await InteropPair.create(cfg);
        }, 20_000);
        afterAll(async () => {
          if (story.timings.length) console.log(`[interop] ${cfg.name}, ${high} high:\n  ${story.timings.join("\n  ")}`);
          await story.pair?.destroy();
        }, 20_000);
        for (const step of STEPS) {
          const name = `${cfg.name}: ${step.title(story)}`;
          test(
            name,
            async () => {
              if (story.failedStep) throw new Error(`not run: an earlier step of this story failed: ${story.failedStep}`);
              try {
                await step.run(story);
              } catch (e) {
                story.failedStep = name;
                throw e;
              }
            },
            step.timeoutMs ?? 30_000,
          );
        }
      });
    }
  }
}
