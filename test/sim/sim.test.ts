// Thousands of seeded runs of the simulated LAN (test/sim/world.ts) against the RFC's invariants. A failing run
// prints its seed; `SIM_SEED=<seed> bun test test/sim` replays that one run with a full trace.

import { expect, test } from "bun:test";
import { runScenario } from "./scenario.ts";

const RUNS = Number(process.env.SIM_RUNS ?? 3000);
const ONLY = process.env.SIM_SEED;

test(`${ONLY ? `seed ${ONLY}` : `${RUNS} seeded runs`}: one master, takeover in time, preempt rules, no transition without cause`, () => {
  const seeds = ONLY ? [Number(ONLY)] : Array.from({ length: RUNS }, (_, i) => 1000 + i);
  const failures: string[] = [];
  let transitions = 0;
  for (const seed of seeds) {
    const result = runScenario(seed, ONLY !== undefined);
    transitions += result.transitions;
    if (ONLY) console.log(result.trace.join("\n"));
    if (result.violations.length > 0) {
      failures.push(`seed ${seed} (replay: SIM_SEED=${seed} bun test test/sim):\n  ${result.violations.slice(0, 5).join("\n  ")}`);
    }
  }
  if (failures.length > 0) console.error(`${failures.length} failing runs\n${failures.slice(0, 10).join("\n")}`);
  expect(failures).toEqual([]);
  // The runs must actually move: a simulation in which nothing changes state proves nothing.
  expect(transitions).toBeGreaterThan(seeds.length * 3);
}, 120_000);

test("the simulator catches a broken core: a router that never answers adverts gives two masters", async () => {
  const { Router } = await import("../../src/vrrp/router.ts");
  const original = Router.prototype.receive;
  Router.prototype.receive = () => {};
  try {
    const broken = Array.from({ length: 50 }, (_, i) => runScenario(5000 + i)).filter((r) => r.violations.length > 0);
    expect(broken.length).toBeGreaterThan(40);
  } finally {
    Router.prototype.receive = original;
  }
});
