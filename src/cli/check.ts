// `vipd check [FILE]` (or --config FILE): validates a configuration the way the daemon would load it, and (unless
// --offline) against this host as `vipd run` would before it starts: interfaces present and addressed (unless
// dynamic_interfaces), users and groups resolvable, scripts present and secure. Exit 0 when it is valid (warnings
// are printed but do not fail); otherwise one line per problem and exit 1.

import { type ArgsDef, defineCommand } from "citty";
import { formatConfigError } from "../config/config-error.ts";
import { readHostSnapshot } from "../adapters/linux/host-snapshot.ts";
import { nssUsers } from "../adapters/linux/nss-users.ts";
import { fitAdverts } from "../config/advert-fit.ts";
import { ConfigLoader } from "../config/config-loader.ts";
import { prepare } from "../daemon/plan.ts";
import { configFileOf } from "./strict-args.ts";

export const DEFAULT_CONFIG = "/etc/vipd/config.toml";

const checkArgs = {
  file: { type: "positional", description: "the configuration file (the same as --config)", required: false },
  config: { type: "string", alias: "c", description: "the configuration file", default: DEFAULT_CONFIG },
  offline: {
    type: "boolean",
    description: "check the file alone, not against this host (interfaces, users, programs): for a file meant for another host",
    default: false,
  },
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
    const offline = args.offline;
    // Read as the daemon reads it.
    const result = new ConfigLoader({ checkPrograms: !offline && !args["skip-programs"] }).load(file);
    const warnings = result.warnings.map((w) => formatConfigError(w));
    const problems = result.ok ? [] : result.errors.map((e) => formatConfigError(e));
    if (result.ok && !offline) {
      // The same preparation `vipd run` makes before it changes anything on the host.
      const prepared = prepare(result.config, readHostSnapshot(), nssUsers);
      if (!prepared.ok) problems.push(...prepared.problems.map((p) => `${file}: ${p}`));
      else warnings.push(...prepared.prepared.warnings.map((w) => formatConfigError(w)));
    } else if (result.ok) {
      // Offline the interfaces' MTUs are unknown: keepalived's default of 1500 stands in for them.
      warnings.push(...fitAdverts(result.config, () => null).warnings.map((w) => formatConfigError(w)));
    }
    for (const warning of unique(warnings)) process.stderr.write(`warning: ${warning}\n`);
    if (problems.length > 0) {
      const distinct = unique(problems);
      for (const problem of distinct) process.stderr.write(`${problem}\n`);
      process.stderr.write(`${file}: ${distinct.length} problem${distinct.length === 1 ? "" : "s"}\n`);
      process.exit(1);
    }
    if (!result.ok) return;
    const c = result.config;
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
    const parts = [count(c.instances.length, "instance"), count(c.syncGroups.length, "sync group"), count(c.scripts.length, "script")];
    if (c.virtualServers.length > 0) parts.push(count(c.virtualServers.length, "virtual server"));
    process.stdout.write(`${file}: valid (${parts.join(", ")})\n`);
  },
});

/** Each line once, in first-seen order. */
function unique(lines: readonly string[]): string[] {
  return [...new Set(lines)];
}
