// The vipd command line: one executable for the daemon, the CLI tools and the converter.

import { defineCommand } from "citty";
import packageJson from "../../package.json" with { type: "json" };
import { check } from "./check.ts";
import { convert } from "./convert.ts";
import { lab } from "./lab.ts";
import { run } from "./run.ts";
import { status } from "./status.ts";

export const main = defineCommand({
  meta: {
    name: "vipd",
    version: packageJson.version,
    description: "Virtual-IP failover daemon (VRRPv2/v3), interoperable with keepalived",
  },
  subCommands: {
    run,
    check,
    convert,
    status,
    lab,
  },
});

