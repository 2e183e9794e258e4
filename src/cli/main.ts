// The vipd command line: one executable for the daemon, the CLI tools and the converter.

import { type CommandContext, defineCommand } from "citty";
import packageJson from "../../package.json" with { type: "json" };
import { nearest } from "../config/suggest.ts";
import { USAGE_EXIT } from "./strict-args.ts";

// Loaded on demand: the daemon then carries neither the converter nor the lab in memory.
const subCommands = {
  run: () => import("./run.ts").then((m) => m.run),
  check: () => import("./check.ts").then((m) => m.check),
  convert: () => import("./convert.ts").then((m) => m.convert),
  status: () => import("./status.ts").then((m) => m.status),
  lab: () => import("./lab.ts").then((m) => m.lab),
  help: () => import("./help.ts").then((m) => m.help),
};

/** citty's own message for a misspelt command has no suggestion, and it takes options before the command silently. */
function rejectUnknownCommand({ rawArgs }: CommandContext): void {
  const at = rawArgs.findIndex((a) => !a.startsWith("-"));
  const before = at < 0 ? rawArgs : rawArgs.slice(0, at);
  let problem: string | null = null;
  if (before.length > 0) problem = `unknown option ${before[0]} before the command (options go after it: vipd COMMAND [OPTIONS])`;
  else if (at >= 0 && !(rawArgs[at]! in subCommands)) {
    const close = nearest(rawArgs[at]!, Object.keys(subCommands));
    problem = `unknown command ${rawArgs[at]} (${close !== null ? `did you mean ${close}?` : `the commands are ${Object.keys(subCommands).join(", ")}`})`;
  }
  if (problem === null) return;
  process.stderr.write(`vipd: ${problem}\nRun 'vipd help' for the commands.\n`);
  process.exit(USAGE_EXIT);
}

export const main = defineCommand({
  meta: {
    name: "vipd",
    version: packageJson.version,
    description: "Virtual-IP failover daemon (VRRPv2/v3), interoperable with keepalived",
  },
  setup: rejectUnknownCommand,
  subCommands,
});
