// The command tree as plain data (names, options, defaults, examples): what the help text, the man page and the
// bash completion are generated from, so none of them can drift from the commands themselves.

import type { ArgsDef, CommandDef } from "citty";
import { examplesOf, type Example } from "../examples.ts";

export interface OptionDoc {
  name: string;
  /** Single-letter and other alternative spellings, without dashes. */
  aliases: string[];
  kind: "boolean" | "string" | "enum" | "positional";
  description: string;
  default?: string | boolean;
  choices?: string[];
  valueHint?: string;
  required: boolean;
}

export interface CommandDoc {
  name: string;
  description: string;
  options: OptionDoc[];
  examples: readonly Example[];
  subcommands: CommandDoc[];
}

type Resolvable<T> = T | Promise<T> | (() => T) | (() => Promise<T>);

async function resolve<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

export function optionDocs(args: ArgsDef): OptionDoc[] {
  return Object.entries(args).map(([name, def]) => {
    const aliases = def.type === "positional" ? [] : [(def as { alias?: string | string[] }).alias ?? []].flat();
    const doc: OptionDoc = {
      name,
      aliases,
      kind: def.type ?? "string",
      description: def.description ?? "",
      required: def.type === "positional" ? def.required !== false && def.default === undefined : def.required === true,
    };
    if (def.default !== undefined) doc.default = def.default;
    if (def.type === "enum" && def.options) doc.choices = def.options;
    if (def.valueHint) doc.valueHint = def.valueHint;
    return doc;
  });
}

export async function describeCommand(command: CommandDef, name?: string): Promise<CommandDoc> {
  const meta = await resolve(command.meta ?? {});
  const commandName = name ?? meta.name ?? "";
  const subcommands: CommandDoc[] = [];
  for (const [subName, sub] of Object.entries(await resolve(command.subCommands ?? {}))) {
    const subcommand = await resolve(sub as Resolvable<CommandDef>);
    const subMeta = await resolve(subcommand.meta ?? {});
    if (!subMeta.hidden) subcommands.push(await describeCommand(subcommand, subName));
  }
  return {
    name: commandName,
    description: meta.description ?? "",
    options: optionDocs(await resolve(command.args ?? {})),
    examples: examplesOf(commandName),
    subcommands,
  };
}
