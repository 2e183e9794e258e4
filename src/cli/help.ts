// Help: citty's usage text (options with their defaults) followed by the command's examples; `vipd help [CMD]`
// prints the same as `vipd [CMD] --help`.

import { type CommandDef, defineCommand, renderUsage } from "citty";
import { nearest } from "../config/suggest.ts";
import { examplesOf } from "./examples.ts";
import { usageError } from "./strict-args.ts";

type Resolvable<T> = T | Promise<T> | (() => T) | (() => Promise<T>);
const resolve = async <T>(value: Resolvable<T>): Promise<T> =>
  typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;

// biome-ignore lint/suspicious/noExplicitAny: any command of the tree
export async function renderHelp(cmd: CommandDef<any>, parent?: CommandDef<any>): Promise<string> {
  const meta = await resolve(cmd.meta ?? {});
  const examples = examplesOf(parent === undefined ? "vipd" : (meta.name ?? ""));
  // citty pads its columns with trailing blanks and ends with an empty line.
  const usage = (await renderUsage(cmd, parent)).replace(/[ \t]+$/gm, "").trimEnd();
  if (examples.length === 0) return usage;
  const width = Math.max(...examples.map((e) => e.command.length));
  return `${usage}\n\nEXAMPLES\n\n${examples.map((e) => `  ${e.command.padEnd(width)}  # ${e.what}`).join("\n")}`;
}

/** For runMain's `showUsage`: `--help` anywhere, and usage errors citty reports itself. */
// biome-ignore lint/suspicious/noExplicitAny: runMain passes commands of any argument types
export async function showHelp(cmd: CommandDef<any>, parent?: CommandDef<any>): Promise<void> {
  process.stdout.write(`${await renderHelp(cmd, parent)}\n`);
}

export const help = defineCommand({
  meta: { name: "help", description: "show the help of vipd or of one command" },
  args: {
    command: { type: "positional", description: "the command to explain", required: false },
  },
  async run({ args }) {
    const { main } = await import("./main.ts");
    const name = args.command;
    if (name === undefined || name === "") return showHelp(main);
    const subCommands = await resolve(main.subCommands ?? {});
    const sub = subCommands[name];
    if (sub === undefined) {
      const close = nearest(name, Object.keys(subCommands));
      usageError(
        "help",
        `unknown command ${name} (${close !== null ? `did you mean ${close}?` : `the commands are ${Object.keys(subCommands).join(", ")}`})`,
      );
    }
    return showHelp(await resolve(sub as Resolvable<CommandDef>), main);
  },
});
