// Runs inside the test VM (test/vm/lvs-oracle-and-pair.test.ts boots it): a pair of IPVS directors end to end —
// the load-balancing lab of `vipd lab --lb` (src/lab/lb-lab.ts), its narration on stderr and what it saw as one JSON
// line on stdout. The directors run vipd from VIPD_BINARY: the lab starts "itself", and the agent is not vipd.
//   bun director-pair.ts VIPD_BINARY
import { lbLab, lbPreflight } from "../../../src/lab/lb-lab.ts";

const [binary] = process.argv.slice(2);
if (!binary) throw new Error("usage: director-pair.ts VIPD_BINARY");
const problems = lbPreflight();
if (problems.length > 0) throw new Error(problems.join("\n"));
const started = performance.now();
const result = await lbLab(
  { out: (t) => process.stderr.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`), style: { colour: false } },
  [binary],
);
console.log(JSON.stringify({ ...result, phases: { lab: Math.round(performance.now() - started) } }));
