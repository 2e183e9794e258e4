// Runs inside the test VM (test/vm/ipvs-kernel.test.ts boots it): the Ipvs contract against the kernel through the
// generic netlink adapter, then the contract's table built again and shown three ways — our own listing, and
// ipvsadm's (an independent netlink client) save format and listings — and last, real connections through NAT,
// direct routing and tunnel services (lb-lab.sh, data-path.ts). Prints one JSON line.
import { LinuxIpvs } from "../../../src/adapters/linux/ipvs-adapter.ts";
import { buildTable, ipvsContract, tableLines } from "../../adapters/ipvs-contract.ts";
import { dataPath } from "./data-path.ts";

function ipvsadm(...args: string[]): string {
  const run = Bun.spawnSync(["ipvsadm", ...args], { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  if (run.exitCode !== 0) throw new Error(`ipvsadm ${args.join(" ")} exited ${run.exitCode}: ${run.stderr.toString()}`);
  return run.stdout.toString();
}

const rejects: string[] = [];
const ipvs = LinuxIpvs.open({ onReject: (what, reason) => rejects.push(`${what}: ${reason}`) });
try {
  const failures = ipvsContract(ipvs);
  buildTable(ipvs);
  ipvs.setTimeouts({ tcpS: 1000, tcpFinS: 60, udpS: 200 });
  const result = {
    failures,
    listed: tableLines(ipvs.services()),
    save: ipvsadm("-S", "-n"),
    list: ipvsadm("-L", "-n"),
    thresholds: ipvsadm("-L", "-n", "--thresholds"),
    timeouts: ipvsadm("-L", "--timeout"),
    rejects,
    dataPath: (() => {
      ipvs.flushAll();
      const lab = Bun.spawnSync(["sh", `${import.meta.dir}/lb-lab.sh`], { stdout: "pipe", stderr: "pipe", timeout: 60_000 });
      if (lab.exitCode !== 0) throw new Error(`lb-lab.sh exited ${lab.exitCode}: ${lab.stderr.toString()}`);
      return dataPath(ipvs);
    })(),
  };
  ipvs.flushAll();
  console.log(JSON.stringify(result));
} finally {
  ipvs.close();
}
