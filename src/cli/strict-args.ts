// citty accepts any option and any number of arguments and ignores what it does not know, so a slip such as
// `vipd check -f x.toml` silently checked /etc/vipd/config.toml. Every command's arguments are checked here first
// (main.ts, before citty parses them): an unknown option, a value not among an option's choices, a missing or a
// stray argument is a usage error (exit 2) naming the nearest valid spelling.

import type { ArgsDef } from "citty";
import { nearest } from "../config/suggest.ts";

export const USAGE_EXIT = 2;

export type ParsedArgs = { ok: true; given: ReadonlySet<string>; positionals: string[] } | { ok: false; problem: string };

interface OptionSpelling {
  name: string;
  takesValue: boolean;
  boolean: boolean;
  choices?: string[];
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function spellings(args: ArgsDef): Map<string, OptionSpelling> {
  const out = new Map<string, OptionSpelling>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const option: OptionSpelling = { name, takesValue: def.type !== "boolean", boolean: def.type === "boolean" };
    if (def.type === "enum" && def.options) option.choices = def.options;
    const aliases = [(def as { alias?: string | string[] }).alias ?? []].flat();
    for (const spelling of [name, kebab(name), camel(name), ...aliases]) out.set(spelling, option);
  }
  return out;
}

const dashed = (spelling: string) => (spelling.length === 1 ? `-${spelling}` : `--${spelling}`);

/** Every spelling of the options, for "did you mean". */
function candidates(options: Map<string, OptionSpelling>): string[] {
  return [...options.keys()].map(dashed);
}

function unknownOption(flag: string, options: Map<string, OptionSpelling>): string {
  const close = nearest(flag, candidates(options));
  const all = [...new Set([...options.values()].map((o) => `--${o.name}`))];
  const hint = close !== null ? `did you mean ${close}?` : all.length > 0 ? `the options are ${all.join(", ")}` : "it takes no options";
  return `unknown option ${flag} (${hint})`;
}

/** Checks `rawArgs` against a command's definition: options it knows, values where needed, no extra arguments. */
export function parseStrict(args: ArgsDef, rawArgs: readonly string[]): ParsedArgs {
  const options = spellings(args);
  const positionalNames = Object.entries(args)
    .filter(([, def]) => def.type === "positional")
    .map(([name]) => name);
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") {
      positionals.push(...rawArgs.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
      let option = options.get(flag.slice(2));
      const negated = option === undefined && flag.startsWith("--no-") ? options.get(flag.slice(5)) : undefined;
      if (negated?.boolean) option = negated;
      if (option === undefined || (negated !== undefined && inline !== undefined))
        return { ok: false, problem: unknownOption(flag, options) };
      given.add(option.name);
      if (option.takesValue && inline === undefined) {
        if (i + 1 >= rawArgs.length) return { ok: false, problem: `option ${flag} needs a value` };
        i++;
      }
      const badChoice = choiceProblem(flag, option, inline ?? rawArgs[i]!);
      if (option.takesValue && badChoice !== null) return { ok: false, problem: badChoice };
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // -c FILE, -cFILE, or grouped single-letter booleans (-vs is not: -s takes a value).
      for (let at = 1; at < arg.length; at++) {
        const option = options.get(arg[at]!);
        if (option === undefined) return { ok: false, problem: unknownOption(`-${arg[at]}`, options) };
        given.add(option.name);
        if (!option.takesValue) continue;
        if (at + 1 === arg.length) {
          if (i + 1 >= rawArgs.length) return { ok: false, problem: `option -${arg[at]} needs a value` };
          i++;
        }
        const badChoice = choiceProblem(`-${arg[at]}`, option, at + 1 === arg.length ? rawArgs[i]! : arg.slice(at + 1));
        if (badChoice !== null) return { ok: false, problem: badChoice };
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  if (positionals.length > positionalNames.length) {
    const stray = positionals[positionalNames.length]!;
    const asOption = options.get(stray);
    const hint =
      asOption !== undefined ? ` (did you mean ${dashed(stray)}?)` : positionalNames.length === 0 ? " (it takes no arguments)" : "";
    return { ok: false, problem: `unexpected argument ${stray}${hint}` };
  }
  const missing = Object.entries(args).find(
    ([name, def]) =>
      def.type === "positional" &&
      def.required !== false &&
      def.default === undefined &&
      positionalNames.indexOf(name) >= positionals.length,
  );
  if (missing) return { ok: false, problem: `missing argument ${missing[0].toUpperCase()}` };
  return { ok: true, given, positionals };
}

function choiceProblem(flag: string, option: OptionSpelling, value: string): string | null {
  if (option.choices === undefined || option.choices.includes(value)) return null;
  const close = nearest(value, option.choices);
  return `${flag} must be ${option.choices.join(" or ")}, got ${value}${close !== null ? ` (did you mean ${close}?)` : ""}`;
}

/** Writes a usage error the way every vipd command does, and exits 2. */
export function usageError(command: string, problem: string): never {
  process.stderr.write(`vipd ${command}: ${problem}\nRun 'vipd ${command} --help' for its options and examples.\n`);
  process.exit(USAGE_EXIT);
}

/**
 * The configuration file of `vipd check|run [FILE] [--config FILE]`: positionally or with --config (not both
 * with different files), else the default.
 */
export function configFileOf(
  command: string,
  args: { file?: string; config: string },
  rawArgs: readonly string[],
  argsDef: ArgsDef,
): string {
  const parsed = parseStrict(argsDef, rawArgs);
  const viaOption = parsed.ok && parsed.given.has("config");
  if (args.file !== undefined && args.file !== "") {
    if (viaOption && args.config !== args.file)
      usageError(command, `two configuration files given: ${args.file} and --config ${args.config}`);
    return args.file;
  }
  return args.config;
}
