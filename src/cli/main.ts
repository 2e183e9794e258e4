// The vipd command line: one executable for the daemon, the CLI tools and the converter.

import { type ArgsDef, type CommandContext, defineCommand } from "citty";
import packageJson from "../../package.json" with { type: "json" };
import { nearest } from "../config/suggest.ts";
import { parseStrict, USAGE_EXIT, usageError } from "./strict-args.ts";

// Loaded on demand: the daemon then carries neither the converter nor the lab in memory.
const subCommands = {
  run: () => import("./run.ts").then((m) => m.run),
  check: () => import("./check.ts").then((m) => m.check),
  convert: () => import("./convert.ts").then((m) => m.convert),
  status: () => import("./status.ts").then((m) => m.status),
  handover: () => import("./handover.ts").then((m) => m.handover),
  genhash: () => import("./genhash.ts").then((m) => m.genhash),
  lab: () => import("./lab.ts").then((m) => m.lab),
  help: () => import("./help.ts").then((m) => m.help),
};

/** A command's `args`, which citty allows to be a value, a promise or a function. */
async function argsOf(args: unknown): Promise<ArgsDef> {
  return ((typeof args === "function" ? await args() : await args) ?? {}) as ArgsDef;
}

/**
 * Runs before citty parses the command's arguments: citty's own message for a misspelt command has no suggestion,
 * and it ignores unknown options and stray arguments.
 */
async function checkArguments({ rawArgs }: CommandContext): Promise<void> {
  const at = rawArgs.findIndex((a) => !a.startsWith("-"));
  const before = at < 0 ? rawArgs : rawArgs.slice(0, at);
  let problem: string | null = null;
  if (before.length > 0) problem = `unknown option ${before[0]} before the command (options go after it: vipd COMMAND [OPTIONS])`;
  else if (at >= 0 && !Object.hasOwn(subCommands, rawArgs[at]!)) {
    const close = nearest(rawArgs[at]!, Object.keys(subCommands));
    problem = `unknown command ${rawArgs[at]} (${close !== null ? `did you mean ${close}?` : `the commands are ${Object.keys(subCommands).join(", ")}`})`;
  }
  if (problem !== null) {
    process.stderr.write(`vipd: ${problem}\nRun 'vipd help' for the commands.\n`);
    process.exit(USAGE_EXIT);
  }
  if (at < 0) return;
  const name = rawArgs[at]! as keyof typeof subCommands;
  const command = await subCommands[name]();
  const parsed = parseStrict(await argsOf(command.args), rawArgs.slice(at + 1));
  if (!parsed.ok) usageError(name, parsed.problem);
}

export const main = defineCommand({
  meta: {
    name: "vipd",
    version: packageJson.version,
    description: "Virtual-IP failover daemon (VRRPv2/v3), interoperable with keepalived",
  },
  setup: checkArguments,
  subCommands,
});
