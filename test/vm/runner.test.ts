// The VM runner itself: one boot runs IPVS commands the host kernel cannot, and the guest command's output, its
// environment and a non-zero exit status come back; the guest's clock is a real server's (TSC, not jiffies).
// Fails (never skips) when the VM image or qemu is missing.
import { expect, test } from "bun:test";
import { release } from "node:os";
import { runInVm } from "./runner.ts";

test("the VM loads ip_vs, sees the host's tree and bun, and returns output and a non-zero exit status", async () => {
  const result = await runInVm({
    command: [
      "modprobe ip_vs && cat /proc/net/ip_vs",
      'echo "cwd=$(pwd) probe=$VIPD_VM_PROBE release=$(uname -r)"',
      'echo "bun says $(node_modules/.bin/bun -e "console.log(1 + 1)")"',
      'echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"',
      // The smallest step CLOCK_MONOTONIC takes over ≈ 20 ms of reads (jiffies: 4 ms).
      `node_modules/.bin/bun -e 'const s=process.hrtime.bigint();let l=s,m=10n**9n;for(let i=0;i<1e6;i++){const v=process.hrtime.bigint();if(v>l){if(v-l<m)m=v-l;l=v}if(v-s>2n*10n**7n)break}console.log("step="+m)'`,
      "echo oops >&2",
      "exit 42",
    ].join("\n"),
    cwd: `${import.meta.dir}/../..`,
    env: { VIPD_VM_PROBE: "it's here" },
    timeoutMs: 90_000,
  });
  expect(result.stdout).toContain("IP Virtual Server version");
  expect(result.stdout).toContain("Prot LocalAddress:Port Scheduler Flags");
  expect(result.stdout).toContain(`cwd=${process.cwd()} probe=it's here release=`);
  expect(result.stdout).not.toContain(`release=${release()}\n`);
  expect(result.stdout).toContain("bun says 2\n");
  // The clock a real server has (tsc=reliable in src/vm/runner.ts), not 4 ms jiffies.
  expect(result.stdout).toContain("clocksource=tsc\n");
  const step = Number(/step=(\d+)/.exec(result.stdout)?.[1]);
  expect(step).toBeGreaterThan(0);
  expect(step).toBeLessThan(100_000);
  expect(result.stderr).toBe("oops\n");
  expect(result.exitCode).toBe(42);
  expect(result.bootMs).toBeGreaterThan(0);
  console.log(`vm boot ${Math.round(result.bootMs)} ms, whole run ${Math.round(result.totalMs)} ms, attempts ${result.attempts}`);
}, 200_000);

test("a boot that never reaches init is retried once, then fails saying so", async () => {
  const started = performance.now();
  await expect(runInVm({ command: "true", bootTimeoutMs: 1, timeoutMs: 60_000 })).rejects.toThrow(/did not boot within 1 ms, twice/);
  expect(performance.now() - started).toBeLessThan(30_000);
}, 60_000);

test("a run past its timeout is killed and fails saying so", async () => {
  await expect(runInVm({ command: "sleep 600", timeoutMs: 5_000 })).rejects.toThrow(/timed out \(qemu killed\)/);
}, 60_000);
