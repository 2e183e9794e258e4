import { expect, test } from "bun:test";
import { announceLine, scriptOutcome, scriptStateLine, stateLine, vipsLine } from "../../src/daemon/log-wording.ts";
import type { RunResult } from "../../src/process/run-command.ts";
import { ip } from "../vrrp/fixtures.ts";

const run = (fields: Partial<RunResult>): RunResult => ({
  exitCode: 0,
  signal: null,
  timedOut: false,
  spawnError: null,
  durationMs: 12.4,
  stderr: "",
  pid: 1,
  ...fields,
});

test("state, VIP and announcement lines start as keepalived's do, so the same greps find them", () => {
  expect(stateLine("VI_1", "BACKUP", "MASTER", "preempting a lower-priority master", 100)).toBe(
    "(VI_1) Entering MASTER STATE from BACKUP (preempting a lower-priority master), priority 100",
  );
  const specs = [
    { ifindex: 2, address: ip("192.0.2.10"), prefixlen: 24 },
    { ifindex: 2, address: ip("2001:db8::10"), prefixlen: 64 },
  ];
  expect(vipsLine("VI_1", true, specs)).toBe("(VI_1) Setting VIPs: 192.0.2.10/24, 2001:db8::10/64");
  expect(vipsLine("VI_1", false, specs)).toBe("(VI_1) Removing VIPs: 192.0.2.10/24, 2001:db8::10/64");
  expect(announceLine("VI_1", "eth0", [ip("192.0.2.10"), ip("192.0.2.11")], 10)).toBe(
    "(VI_1) Sending gratuitous ARP on eth0 for 192.0.2.10, 192.0.2.11; 10 frames sent",
  );
  expect(announceLine("VI_6", "eth1", [ip("2001:db8::10")], 5)).toBe(
    "(VI_6) Sending unsolicited neighbour advertisements on eth1 for 2001:db8::10; 5 frames sent",
  );
});

test("a script's outcome says how it ended and how long it took", () => {
  expect(scriptOutcome(run({}))).toBe("exited with status 0 after 12 ms");
  expect(scriptOutcome(run({ exitCode: 3 }))).toBe("exited with status 3 after 12 ms");
  expect(scriptOutcome(run({ exitCode: null, timedOut: true, signal: "SIGKILL", durationMs: 2000 }))).toBe("timed out after 2000 ms");
  expect(scriptOutcome(run({ exitCode: null, signal: "SIGTERM" }))).toBe("was killed by SIGTERM after 12 ms");
  expect(scriptOutcome(run({ exitCode: null, spawnError: "ENOENT", durationMs: 0 }))).toBe("could not start (ENOENT)");
  expect(scriptStateLine("chk", true, run({}))).toBe("VRRP_Script(chk) succeeded: now up (last run exited with status 0 after 12 ms)");
  expect(scriptStateLine("chk", false, run({ exitCode: 1 }))).toBe(
    "VRRP_Script(chk) failed: now down (last run exited with status 1 after 12 ms)",
  );
});
