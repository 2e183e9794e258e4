// `vipd check --config FILE`: validates a configuration the way the daemon would load it. Exit 0 when it is
// valid (warnings are printed but do not fail); otherwise one line per problem and exit 1.

import { defineCommand } from "citty";
import { formatConfigError } from "../config/config-error.ts";
import { loadConfigFile } from "../config/load.ts";

export const DEFAULT_CONFIG = "/etc/vipd/config.toml";

export const check = defineCommand({
  meta: { name: "check", description: "validate a configuration file" },
  args: {
    config: { type: "string", alias: "c", description: "the configuration file", default: DEFAULT_CONFIG },
    "skip-programs": {
      type: "boolean",
      description: "do not check that scripts and notify programs exist (for a file meant for another host)",
      default: false,
    },
  },
  run({ args }) {
    const result = loadConfigFile(args.config, { checkPrograms: !args["skip-programs"] });
    for (const warning of result.warnings) process.stderr.write(`warning: ${formatConfigError(warning)}\n`);
    if (!result.ok) {
      for (const error of result.errors) process.stderr.write(`${formatConfigError(error)}\n`);
      process.stderr.write(`${args.config}: ${result.errors.length} problem${result.errors.length === 1 ? "" : "s"}\n`);
      process.exit(1);
    }
    const c = result.config;
    process.stdout.write(
      `${args.config}: valid (${c.instances.length} instance${c.instances.length === 1 ? "" : "s"}, ${c.syncGroups.length} sync group${c.syncGroups.length === 1 ? "" : "s"}, ${c.scripts.length} script${c.scripts.length === 1 ? "" : "s"})\n`,
    );
  },
});
