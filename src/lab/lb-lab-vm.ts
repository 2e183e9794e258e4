// Where `vipd lab --lb` runs: here when this kernel has IPVS, otherwise in the test VM (src/vm/runner.ts: a stock
// Debian kernel under qemu that sees this machine's files), where this same executable runs the lab again and its
// report is printed once the VM is done.

import { LinuxIpvs } from "../adapters/linux/ipvs-adapter.ts";
import { runInVm, VmError } from "../vm/runner.ts";
import { type LbLabIo, lbPreflight, runLbLab } from "./lb-lab.ts";
import { selfCommand } from "./routers.ts";

/** Set in the VM's command: a guest without IPVS must fail, not boot another VM. */
const IN_VM = "VIPD_LAB_IN_VM";

/** Whether this kernel answers for the IPVS generic netlink family (looking it up loads ip_vs where it can). */
export function hostHasIpvs(): boolean {
  try {
    LinuxIpvs.open().close();
    return true;
  } catch {
    return false;
  }
}

export async function runLbLabAnywhere(io: LbLabIo): Promise<number> {
  const problems = lbPreflight();
  if (problems.length > 0) {
    for (const p of problems) io.err(p);
    return 1;
  }
  if (hostHasIpvs()) return runLbLab(io);
  if (process.env[IN_VM]) {
    io.err("vipd lab --lb: the VM's kernel has no IPVS either");
    return 1;
  }
  io.out("this kernel has no IPVS: running the lab in the test VM (qemu, software emulation: about a minute)…");
  const command = [...selfCommand(), "lab", "--lb"].map((a) => `'${a}'`).join(" ");
  try {
    const run = await runInVm({ command, env: { [IN_VM]: "1" }, timeoutMs: 300_000 });
    io.out(run.stdout.trimEnd());
    if (run.stderr.trim() !== "") io.err(run.stderr.trimEnd());
    return run.exitCode;
  } catch (e) {
    io.err(`vipd lab --lb: ${e instanceof VmError ? e.message : (e as Error).message}`);
    return 1;
  }
}
