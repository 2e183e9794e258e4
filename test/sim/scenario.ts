// One seeded simulation run: a random cluster, a random series of disturbances (crashes, stops, restarts,
// partitions, loss, tracker failures), and the invariants of RFC 3768/5798 checked after each of them.

import { masterDownIntervalMs, skewTimeMs } from "../../src/vrrp/timing.ts";
import { Prng } from "./prng.ts";
import { type HostSpec, type SimHost, World, type WorldSpec } from "./world.ts";

export interface RunResult {
  seed: number;
  violations: string[];
  trace: string[];
  transitions: number;
  spec: WorldSpec;
}

const EPSILON_MS = 0.001;

export function randomSpec(random: Prng): WorldSpec {
  const version = random.chance(0.5) ? 2 : 3;
  const intervalCs = version === 2 ? 100 : random.pick([100, 50, 10, 3]);
  const count = random.int(2, 5);
  const syncGroup = random.chance(0.25);
  const vrids = syncGroup || random.chance(0.3) ? [1, 2] : [random.int(1, 255)];
  const usedPriorities: number[] = [];
  const hosts: HostSpec[] = [];
  for (let i = 0; i < count; i++) {
    let priority = random.chance(0.15) && usedPriorities.length > 0 ? random.pick(usedPriorities) : random.int(1, 254);
    if (i === 0 && random.chance(0.1)) priority = 255;
    usedPriorities.push(priority);
    hosts.push({
      name: `h${i + 1}`,
      address: `192.0.2.${10 + i}`,
      priority,
      preempt: random.chance(0.75),
      preemptDelayMs: random.chance(0.2) ? 3 * intervalCs * 10 : 0,
      trackerWeight: random.chance(0.5) ? 0 : -random.int(1, 120),
    });
  }
  // Delays well under an interval, as on a LAN; never zero, so ordering effects are exercised.
  const maxDelayMs = Math.min(1, (intervalCs * 10) / 20);
  return { version, intervalCs, vrids, syncGroup, hosts, minDelayMs: maxDelayMs / 10, maxDelayMs };
}

/** The longest time a disturbance may take to settle on a loss-free, connected LAN. */
function settleTimeMs(spec: WorldSpec): number {
  const intervalMs = spec.intervalCs * 10;
  const mdiMax = masterDownIntervalMs(spec.version, 1, spec.intervalCs);
  const delayMax = Math.max(...spec.hosts.map((h) => h.preemptDelayMs));
  return 3 * (mdiMax + delayMax) + 2 * intervalMs + 10 * spec.maxDelayMs;
}

export function runScenario(seed: number, tracing = false): RunResult {
  const random = new Prng(seed);
  const spec = randomSpec(random);
  const world = new World(spec, random, tracing);
  const settle = settleTimeMs(spec);
  const intervalMs = spec.intervalCs * 10;
  const fail = (why: string) => world.violations.push(`t=${world.now.toFixed(3)}: ${why}`);
  world.log(`spec ${JSON.stringify(spec)}`);

  // Start every host within one interval of each other, then let the election settle.
  for (const host of world.hosts) world.at(random.uniform(0, intervalMs), () => world.start(host));
  world.runUntil(intervalMs + settle);
  checkConverged(world, fail, "after startup");

  const steps = random.int(4, 8);
  for (let step = 0; step < steps; step++) {
    // Timing bounds are only promised from a settled state: one master, no loss, no partition.
    const clean = world.lossRate === 0 && world.hosts.every((h) => h.component === 0) && isSettled(world);
    const action = random.pick(["crash-master", "stop-master", "restart", "crash", "partition", "loss", "tracker", "tracker"] as const);
    const checks = disturb(world, random, action, clean, fail);
    const quiet = random.chance(0.6);
    if (quiet) {
      // A loss-free, healed phase long enough to settle: every invariant must hold at its end.
      world.lossRate = 0;
      world.heal();
      world.runUntil(world.now + settle);
      for (const check of checks) check();
      checkConverged(world, fail, `after ${action}`);
    } else {
      world.runUntil(world.now + random.uniform(0, settle / 2));
    }
  }
  world.lossRate = 0;
  world.heal();
  world.runUntil(world.now + settle);
  checkConverged(world, fail, "at the end");
  return { seed, violations: [...world.violations], trace: world.trace, transitions: world.transitions.length, spec };
}

type Check = () => void;

/** Applies one disturbance now and returns the checks to make once the world has settled. */
function disturb(world: World, random: Prng, action: string, clean: boolean, fail: (why: string) => void): Check[] {
  const t0 = world.now;
  const instance = world.instanceNames[0]!;
  const running = world.hosts.filter((h) => h.running);
  const master = running.find((h) => h.state(instance) === "MASTER");
  const checks: Check[] = [];
  world.log(`disturbance: ${action}`);

  switch (action) {
    case "crash-master":
    case "stop-master": {
      if (!master) return checks;
      const backups = running.filter((h) => h !== master && h.state(instance) === "BACKUP");
      if (action === "crash-master") {
        world.crash(master);
        // RFC: a backup takes over within Master_Down_Interval of the last advert it heard (+ its preempt delay).
        if (clean && backups.length > 0) {
          const bound = Math.min(
            ...backups.map(
              (b) => masterDownIntervalMs(world.spec.version, b.priority(instance), world.spec.intervalCs) + b.spec.preemptDelayMs,
            ),
          );
          checks.push(() => expectNewMaster(world, instance, master, t0, t0 + world.spec.maxDelayMs + bound + EPSILON_MS, fail, "crash"));
        }
      } else {
        const handover = random.chance(0.5);
        world.stop(master, handover);
        // Priority 0: the best backup takes over after its skew time, not Master_Down_Interval.
        if (clean && backups.length > 0) {
          const bound = Math.min(...backups.map((b) => skewTimeMs(world.spec.version, b.priority(instance), world.spec.intervalCs)));
          checks.push(() =>
            expectNewMaster(world, instance, master, t0, t0 + world.spec.maxDelayMs + bound + EPSILON_MS, fail, "priority-0"),
          );
          if (handover) checks.push(() => expectNoVipGap(world, instance, t0, fail));
        }
      }
      return checks;
    }
    case "restart": {
      const down = world.hosts.filter((h) => !h.running);
      if (down.length === 0) return checks;
      const host = random.pick(down);
      world.log(`restart ${host.name}`);
      world.start(host);
      // nopreempt: a returning higher-priority host leaves a live master alone.
      if (clean && master?.running && !host.spec.preempt && host.spec.priority < 255) {
        checks.push(() => {
          const took = world.transitions.find(
            (tr) => tr.at >= t0 && tr.host === host.name && tr.to === "MASTER" && !tr.reason.startsWith("sync group"),
          );
          const masterStillUp =
            master.running && world.transitions.every((tr) => !(tr.at >= t0 && tr.host === master.name && tr.from === "MASTER"));
          if (took && masterStillUp) fail(`nopreempt ${host.name} took over from live master ${master.name}: ${took.reason}`);
        });
      }
      return checks;
    }
    case "crash": {
      if (running.length === 0) return checks;
      world.crash(random.pick(running));
      return checks;
    }
    case "partition": {
      const shuffled = [...world.hosts].sort(() => random.next() - 0.5);
      const cut = random.int(1, Math.max(1, shuffled.length - 1));
      world.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
      return checks;
    }
    case "loss": {
      world.lossRate = random.pick([0.1, 0.3, 0.6, 1]);
      world.log(`loss ${world.lossRate}`);
      return checks;
    }
    case "tracker": {
      const host = random.pick(world.hosts);
      const up = !host.trackerUp || random.chance(0.2);
      world.log(`tracker ${host.name} ${up ? "up" : "down"}`);
      world.setTracker(host, up);
      return checks;
    }
    default:
      return checks;
  }
}

function isSettled(world: World): boolean {
  return world.instanceNames.every((instance) => {
    const running = world.hosts.filter((h) => h.running);
    const masters = running.filter((h) => h.state(instance) === "MASTER");
    return (
      masters.length === 1 &&
      masters[0]!.node!.router(instance)!.state !== "STOPPING" &&
      running.every((h) => ["MASTER", "BACKUP", "FAULT"].includes(h.state(instance)))
    );
  });
}

function expectNewMaster(
  world: World,
  instance: string,
  old: SimHost,
  t0: number,
  by: number,
  fail: (why: string) => void,
  what: string,
): void {
  const first = world.transitions.find((tr) => tr.at >= t0 && tr.instance === instance && tr.to === "MASTER" && tr.host !== old.name);
  if (!first) fail(`${what} of ${old.name} at ${t0.toFixed(3)}: no new master at all`);
  else if (first.at > by)
    fail(`${what} of ${old.name} at ${t0.toFixed(3)}: new master ${first.host} only at ${first.at.toFixed(3)}, bound ${by.toFixed(3)}`);
}

/** With handover, some host holds the VIPs at every moment from the stop until the new master has them. */
function expectNoVipGap(world: World, instance: string, t0: number, fail: (why: string) => void): void {
  const changes = world.transitions.filter((tr) => tr.at >= t0 && tr.instance === instance && (tr.to === "MASTER" || tr.from === "MASTER"));
  let holders = 1; // the stopping master
  for (const change of changes) {
    if (change.to === "MASTER") holders++;
    if (change.from === "MASTER") holders--;
    if (holders <= 0) {
      fail(`handover: no host held the VIPs at ${change.at.toFixed(3)} (${change.host} ${change.from}->${change.to})`);
      return;
    }
  }
}

/** After a quiet, connected, loss-free period: exactly one MASTER per VRID, and the right one. */
function checkConverged(world: World, fail: (why: string) => void, when: string): void {
  for (const instance of world.instanceNames) {
    const running = world.hosts.filter((h) => h.running);
    const eligible = running.filter((h) => h.state(instance) !== "FAULT");
    const masters = running.filter((h) => h.state(instance) === "MASTER");
    const holders = world.hosts.filter((h) => h.vipsHeld.has(instance));
    const expected = eligible.length > 0 ? 1 : 0;
    if (masters.length !== expected) {
      fail(
        `${when}: ${instance} has ${masters.length} masters (${masters.map((m) => m.name).join(",")}), expected ${expected}; states ${running.map((h) => `${h.name}=${h.state(instance)}`).join(" ")}`,
      );
      continue;
    }
    if (holders.length !== masters.length || (masters[0] && !masters[0].vipsHeld.has(instance))) {
      fail(
        `${when}: ${instance} VIPs held by ${holders.map((h) => h.name).join(",") || "nobody"}, masters ${masters.map((m) => m.name).join(",")}`,
      );
    }
    // When everybody preempts, the master has the highest priority (equal priorities may keep either).
    const master = masters[0];
    if (master && eligible.every((h) => h.spec.preempt)) {
      const best = Math.max(...eligible.map((h) => h.priority(instance)));
      if (master.priority(instance) !== best) {
        fail(
          `${when}: ${instance} master ${master.name} has priority ${master.priority(instance)}, but ${best} is available and everybody preempts`,
        );
      }
    }
  }
}
