// `vipd lab`: the failover lab. As root, builds routers and a client in private network namespaces, runs vipd
// (this executable) on the routers, breaks the master in four ways and measures what a client pinging the VIP
// sees, against the RFC's figures. Exit 0 when every scenario behaved as expected. `--lb`: the load-balancing lab
// instead (src/lab/lb-lab.ts), in the test VM when this kernel has no IPVS.

import { defineCommand } from "citty";
import { MAX_ROUTERS, MIN_ROUTERS, type LabOptions } from "../lab/plan.ts";
import { runLbLabAnywhere } from "../lab/lb-lab-vm.ts";
import { runLab } from "../lab/run-lab.ts";

/** Validates the flags into lab options; a list of problems otherwise. */
export function parseLabArgs(args: { routers: string; version: string; peer: string; vmac?: boolean }): LabOptions | string[] {
  const problems: string[] = [];
  const routers = Number(args.routers);
  if (!Number.isInteger(routers) || routers < MIN_ROUTERS || routers > MAX_ROUTERS)
    problems.push(`--routers must be an integer from ${MIN_ROUTERS} to ${MAX_ROUTERS}, got ${args.routers}`);
  if (args.version !== "2" && args.version !== "3") problems.push(`--version must be 2 or 3, got ${args.version}`);
  if (args.peer !== "vipd" && args.peer !== "keepalived") problems.push(`--peer must be vipd or keepalived, got ${args.peer}`);
  if (problems.length > 0) return problems;
  const options: LabOptions = { routers, version: args.version === "2" ? 2 : 3, peer: args.peer as LabOptions["peer"] };
  if (args.vmac) options.vmac = true;
  return options;
}

export const lab = defineCommand({
  meta: { name: "lab", description: "run the failover lab in network namespaces (root)" },
  args: {
    routers: { type: "string", description: `routers in the lab, ${MIN_ROUTERS} to ${MAX_ROUTERS}`, default: "3" },
    version: { type: "string", description: "VRRP version: 3 (advert_int 0.1 s) or 2 (advert_int 1 s)", default: "3" },
    peer: { type: "string", description: "what runs on r2, the first backup: vipd or keepalived (a mixed cluster)", default: "vipd" },
    vmac: {
      type: "boolean",
      description: "use_vmac on every router: the client's neighbour entry stays the virtual MAC across failovers",
      default: false,
    },
    lb: {
      type: "boolean",
      description: "the load-balancing lab instead: two IPVS directors, two real servers, a director failover (in a VM without IPVS)",
      default: false,
    },
  },
  async run({ args }) {
    if (args.lb) {
      const colour = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
      process.exit(
        await runLbLabAnywhere({
          out: (text) => process.stdout.write(`${text}\n`),
          err: (text) => process.stderr.write(`${text}\n`),
          style: { colour },
        }),
      );
    }
    const options = parseLabArgs(args);
    if (Array.isArray(options)) {
      for (const problem of options) process.stderr.write(`vipd lab: ${problem}\n`);
      process.exit(1);
    }
    const colour = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
    const code = await runLab(options, {
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
      style: { colour },
    });
    process.exit(code);
  },
});
