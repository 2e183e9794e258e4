// `vipd convert FILE [-o OUT] [--allow-partial] [-i CONFIG_ID ...]`: keepalived.conf to vipd TOML on stdout
// (or OUT), warnings on stderr. Exit 0 when everything that matters was converted; 1 when something that
// changes failover or traffic behaviour was not (the TOML is still written; --allow-partial accepts it);
// 2 on broken input, with no TOML written.

import { writeFileSync } from "node:fs";
import { defineCommand } from "citty";
import { formatFinding } from "../convert/convert-context.ts";
import { convertKeepalived } from "../convert/convert.ts";
import { formatDiagnostic } from "../convert/types.ts";

export const CONVERT_EXIT = { ok: 0, lossy: 1, broken: 2 } as const;

/** citty keeps only the last of a repeated option, so `-i` is read from the raw arguments. */
export function configIdsOf(rawArgs: readonly string[]): string[] {
  const ids: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (arg === "-i" || arg === "--config-id") {
      const value = rawArgs[++i];
      if (value !== undefined) ids.push(value);
    } else if (arg.startsWith("--config-id=")) ids.push(arg.slice("--config-id=".length));
    else if (arg.startsWith("-i") && arg.length > 2 && !arg.startsWith("--")) ids.push(arg.slice(2));
  }
  return ids.flatMap((id) => id.split(",")).filter((id) => id !== "");
}

export const convert = defineCommand({
  meta: { name: "convert", description: "convert keepalived.conf to vipd TOML" },
  args: {
    file: { type: "positional", description: "the keepalived configuration file", required: true },
    output: { type: "string", alias: "o", description: "write the TOML to this file instead of stdout" },
    "allow-partial": {
      type: "boolean",
      description: "exit 0 even when options that change failover or traffic behaviour could not be converted",
      default: false,
    },
    "config-id": { type: "string", alias: "i", description: "keepalived config id for @ID lines (repeatable, like keepalived -i)" },
  },
  run({ args, rawArgs }) {
    const file = String(args.file);
    const result = convertKeepalived(file, { configIds: configIdsOf(rawArgs) });
    for (const finding of result.findings) process.stderr.write(`${formatFinding(finding)}\n`);
    if (result.toml === null) {
      for (const error of result.errors) process.stderr.write(`${formatDiagnostic(error)}\n`);
      const n = result.errors.length;
      process.stderr.write(`vipd convert: ${n} error${n === 1 ? "" : "s"} in ${file}; no TOML written\n`);
      process.exit(CONVERT_EXIT.broken);
    }
    if (typeof args.output === "string" && args.output !== "") {
      try {
        writeFileSync(args.output, result.toml);
      } catch (e) {
        process.stderr.write(`vipd convert: cannot write ${args.output}: ${(e as Error).message}\n`);
        process.exit(CONVERT_EXIT.broken);
      }
    } else {
      process.stdout.write(result.toml);
    }
    if (!result.lossy) return;
    const lines = result.findings.filter((f) => f.lossy).map((f) => (f.line > 0 ? `${f.file}:${f.line}` : f.file));
    const what =
      lines.length === 1
        ? "1 option that changes failover or traffic behaviour could not be converted"
        : `${lines.length} options that change failover or traffic behaviour could not be converted`;
    if (args["allow-partial"]) {
      process.stderr.write(`vipd convert: ${what} (accepted with --allow-partial): ${lines.join(", ")}\n`);
      return;
    }
    process.stderr.write(`vipd convert: ${what}: ${lines.join(", ")}; the TOML was written, re-run with --allow-partial to accept it\n`);
    process.exit(CONVERT_EXIT.lossy);
  },
});
