// The runner gives a run up when the guest kernel reports a CPU stuck for good (no VM needed: console text).
import { expect, test } from "bun:test";
import { kernelLockup } from "./runner.ts";

const STUCK = "[ 1308.308907] watchdog: BUG: soft lockup - CPU#0 stuck for 827s! [HeapHelper:588]";

test("a CPU stuck for a minute or more gives the run up; a shorter stall, or none, does not", () => {
  expect(kernelLockup(`[    2.1] vipd-guest-init: running\n${STUCK}\n`)).toBe("soft lockup - CPU#0 stuck for 827s! [HeapHelper:588]");
  expect(kernelLockup("[  40.2] watchdog: BUG: soft lockup - CPU#1 stuck for 60s! [bun.exe:564]")).toBe(
    "soft lockup - CPU#1 stuck for 60s! [bun.exe:564]",
  );
  // Under a loaded host a vCPU can stall for a while and carry on: that run is not given up.
  expect(kernelLockup("[  30.1] watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [bun.exe:564]")).toBeNull();
  expect(kernelLockup("[    2.1] vipd-guest-init: running\n")).toBeNull();
  // A line cut before its end is not read until it is whole.
  expect(kernelLockup(STUCK.slice(0, STUCK.indexOf("!")))).toBeNull();
});
