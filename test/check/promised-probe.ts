// The tests' probes are written as functions returning a promise; the runner takes a probe that calls back.

import type { PlannedCheck, Probe } from "../../src/check/check-runner.ts";
import { type ProbeResult, settle } from "../../src/check/probes/probe-result.ts";

export function promisedProbe(probe: (check: PlannedCheck) => Promise<ProbeResult>): Probe {
  return (check, done) => settle(probe(check), done);
}
