// `vipd check [FILE]` (or --config FILE): validates a configuration the way the daemon would load it. Exit 0 when
// it is valid (warnings are printed but do not fail); otherwise one line per problem and exit 1.

import { type ArgsDef, defineCommand } from "citty";
import { formatConfigError } from "../config/config-error.ts";
import { loadConfigFile } from "../config/load.ts";
import { configFileOf } from "./strict-args.ts";

export const DEFAULT_CONFIG = "/etc/vipd/config.toml";

const checkArgs = {
  file: { type: "positional", description: "the configuration file (the same as --config)", required: false },
  config: { type: "string", alias: "c", description: "the configuration file", default: DEFAULT_CONFIG },
  "skip-programs": {
    type: "boolean",
    description: "do not check that scripts and notify programs exist (for a file meant for another host)",
    default: false,
  },
} satisfies ArgsDef;

export const check = defineCommand({
  meta: { name: "check", description: "validate a configuration file" },
  args: checkArgs,
  run({ args, rawArgs }) {
    const file = configFileOf("check", args, rawArgs, checkArgs);
    const result = loadConfigFile(file, { checkPrograms: !args["skip-programs"] });
    for (const warning of result.warnings) process.stderr.write(`warning: ${formatConfigError(warning)}\n`);
    if (!result.ok) {
      for (const error of result.errors) process.stderr.write(`${formatConfigError(error)}\n`);
      process.stderr.write(`${file}: ${result.errors.length} problem${result.errors.length === 1 ? "" : "s"}\n`);
      process.exit(1);
    }
    const c = result.config;
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
    const parts = [count(c.instances.length, "instance"), count(c.syncGroups.length, "sync group"), count(c.scripts.length, "script")];
    if (c.virtualServers.length > 0) parts.push(count(c.virtualServers.length, "virtual server"));
    process.stdout.write(`${file}: valid (${parts.join(", ")})\n`);
  },
});
