// log_all_failures (a check's) and checker_log_all_failures (global): every failed run of a check that is still up
// is logged, not only the one that takes its server down; without them only the flip is. One probe serves two
// real servers whatever their log_all_failures.

import { expect, test } from "bun:test";
import type { VipdConfig } from "../../src/config/schema.ts";
import type { Log } from "../../src/daemon/log.ts";
import { LoadBalancer } from "../../src/lvs/load-balancer.ts";
import { NO_RECORD } from "../../src/lvs/owned-services.ts";
import { FakeIpvs } from "../adapters/fake-ipvs.ts";
import { FakeChecker } from "../check/fake-checker.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { loadOk } from "../config/helpers.ts";

const lines: string[] = [];
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };
const checkLog: Log = {
  debug() {},
  info: (m) => lines.push(`info ${m}`),
  warn: (m) => lines.push(`warn ${m}`),
  error: (m) => lines.push(`error ${m}`),
};

/** Two virtual servers with the same real server and the same TCP_CHECK (two retries); `first`/`second`: its extra keys. */
const text = (global: string, first: string, second: string) => `[global]
${global}
${[first, second]
  .map(
    (extra, i) => `[virtual_servers.web${i}]
address = "192.0.2.1${i}"
port = 80
protocol = "tcp"
[[virtual_servers.web${i}.real_servers]]
address = "198.51.100.1"
port = 8080
[[virtual_servers.web${i}.real_servers.TCP_CHECK]]
delay_loop = 2
warmup = 0
retry = 2
delay_before_retry = 1
${extra}
`,
  )
  .join("")}`;

async function failingRuns(config: string): Promise<{ lines: string[]; probes: number }> {
  lines.length = 0;
  const timers = new FakeTimers();
  const checker = new FakeChecker(timers);
  const lb = new LoadBalancer({
    openIpvs: () => new FakeIpvs(),
    record: NO_RECORD,
    log: quiet,
    checkLog,
    timers,
    spawnChecker: checker.spawn,
    runScript: () => {},
    mail: () => {},
  });
  lb.apply(loadOk(config) as VipdConfig, new Map());
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      timers.advance(100);
      for (let i = 0; i < 4; i++) await Promise.resolve();
    }
  };
  await advance(500); // the first run passes
  checker.targets.set("198.51.100.1:8080", { ok: false });
  await advance(5000); // fails at 2 s, retries at 3 s and 4 s: down
  lb.stop("remove");
  return { lines: [...lines], probes: checker.probes };
}

const RETRY = "info TCP_CHECK of 198.51.100.1:8080 failed (ECONNREFUSED); still up, retrying, for ";
const USERS = "web0 198.51.100.1:8080 (real_servers[0]), web1 198.51.100.1:8080 (real_servers[0])";
const DOWN = `warn TCP_CHECK of 198.51.100.1:8080 failed (ECONNREFUSED): down for ${USERS}`;

test("without log_all_failures only the run that takes the server down is logged", async () => {
  expect((await failingRuns(text("", "", ""))).lines).toEqual([DOWN]);
});

test("log_all_failures on one user of a shared check logs every failed run while up; still one probe per run", async () => {
  const logged = await failingRuns(text("", "log_all_failures = true", ""));
  expect(logged.lines).toEqual([RETRY + USERS, RETRY + USERS, DOWN]);
  expect(logged.probes).toBe(4);
});

test("global checker_log_all_failures does the same for every check", async () => {
  expect((await failingRuns(text("checker_log_all_failures = true", "", ""))).lines).toEqual([RETRY + USERS, RETRY + USERS, DOWN]);
});
