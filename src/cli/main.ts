// The vipd command line: one executable for the daemon, the CLI tools and the converter.

import { defineCommand } from "citty";
import packageJson from "../../package.json" with { type: "json" };

export const main = defineCommand({
  meta: {
    name: "vipd",
    version: packageJson.version,
    description: "Virtual-IP failover daemon (VRRPv2/v3), interoperable with keepalived",
  },
  // Loaded on demand: the daemon then carries neither the converter nor the lab in memory.
  subCommands: {
    run: () => import("./run.ts").then((m) => m.run),
    check: () => import("./check.ts").then((m) => m.check),
    convert: () => import("./convert.ts").then((m) => m.convert),
    status: () => import("./status.ts").then((m) => m.status),
    lab: () => import("./lab.ts").then((m) => m.lab),
  },
});
