// Runs a command in the test VM from the command line, for trying things by hand:
//   bun test/vm/run.ts [--timeout SECONDS] -- COMMAND...
// prints the guest's stdout and stderr, the boot time on stderr, and exits with the guest command's status.
import { runInVm, VmError } from "./runner.ts";

const args = process.argv.slice(2);
let timeoutMs = 120_000;
if (args[0] === "--timeout") {
  timeoutMs = Number(args[1]) * 1000;
  args.splice(0, 2);
}
if (args[0] === "--") args.shift();
if (args.length === 0 || !Number.isFinite(timeoutMs)) {
  console.error("usage: bun test/vm/run.ts [--timeout SECONDS] -- COMMAND...");
  process.exit(2);
}
try {
  const result = await runInVm({ command: args.join(" "), timeoutMs });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  console.error(`vipd-vm: boot ${Math.round(result.bootMs)} ms, run ${Math.round(result.totalMs)} ms, attempts ${result.attempts}`);
  process.exit(result.exitCode);
} catch (e) {
  console.error(e instanceof VmError ? e.message : e);
  process.exit(1);
}
