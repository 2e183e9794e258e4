// vipd(8), generated from the command tree (command-docs.ts): every command, option, default and example.

import type { CommandDoc, OptionDoc } from "./command-docs.ts";
import { roffArg, roffLiteral, roffText } from "./roff.ts";

export function optionSynopsis(option: OptionDoc): string {
  if (option.kind === "positional") return option.required ? option.name.toUpperCase() : `[${option.name.toUpperCase()}]`;
  const value = option.kind === "boolean" ? "" : ` ${option.choices?.join("|") ?? (option.valueHint ?? option.name).toUpperCase()}`;
  return [...option.aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`)), `--${option.name}`].join(", ") + value;
}

function optionItem(option: OptionDoc): string[] {
  const defaultText = option.default === undefined || option.default === false ? "" : ` Default: ${String(option.default)}.`;
  const description = option.description.replace(/^./, (c) => c.toUpperCase());
  return [".TP", `.B ${roffText(optionSynopsis(option))}`, roffText(`${description}.${defaultText}`)];
}

function usage(command: CommandDoc, parent: string): string {
  const positionals = command.options.filter((o) => o.kind === "positional").map(optionSynopsis);
  const hasOptions = command.options.some((o) => o.kind !== "positional");
  return [parent, command.name, hasOptions ? "[OPTIONS]" : "", ...positionals].filter((p) => p !== "").join(" ");
}

function examples(command: CommandDoc): string[] {
  if (command.examples.length === 0) return [];
  return [".PP", "Examples:", ...roffLiteral(command.examples.flatMap((e) => [`${e.command}`, `    ${e.what}`]))];
}

export function vipdManPage(root: CommandDoc, version: string): string {
  const lines = [
    `.TH VIPD 8 "" ${roffArg(`vipd ${version}`)} "System Administration"`,
    // No hyphenation: option names and paths must read (and copy) whole.
    ".nh",
    ".SH NAME",
    `vipd \\- ${roffText(root.description)}`,
    ".SH SYNOPSIS",
    ...root.subcommands.flatMap((c) => [".PP", `.B ${roffText(usage(c, root.name))}`]),
    ".SH DESCRIPTION",
    roffText(
      "vipd moves virtual IP addresses between the servers of a group with VRRP (RFC 3768, RFC 5798), as keepalived does, " +
        "and speaks the same protocol, so vipd and keepalived nodes can back each other up. " +
        "One executable holds the daemon, the configuration checker, the keepalived.conf converter and a failover lab.",
    ),
    ".PP",
    roffText("Unknown options and stray arguments are errors (exit status 2), with the nearest valid spelling."),
    ".SH COMMANDS",
  ];
  for (const command of root.subcommands) {
    lines.push(`.SS ${roffArg(usage(command, root.name))}`, roffText(`${command.description.replace(/^./, (c) => c.toUpperCase())}.`));
    for (const option of command.options) lines.push(...optionItem(option));
    lines.push(...examples(command));
  }
  lines.push(
    ".SH OPTIONS",
    ".TP",
    ".B \\-h, \\-\\-help",
    "Show the help of vipd or of a command (with its defaults and examples).",
    ".TP",
    ".B \\-\\-version",
    "Print the version (as the only argument: vipd \\-\\-version).",
    ".SH EXIT STATUS",
    ".TP",
    ".B 0",
    "Success (a valid file, a clean stop).",
    ".TP",
    ".B 1",
    roffText("A problem: the file is not valid, the daemon could not start, or vipd convert lost an option that matters."),
    ".TP",
    ".B 2",
    roffText("A usage error (an unknown option, a stray argument), or input vipd convert cannot read."),
    ".SH EXAMPLES",
    ...roffLiteral(root.examples.flatMap((e) => [e.command, `    ${e.what}`])),
    ".SH FILES",
    ".TP",
    ".I /etc/vipd/config.toml",
    "The configuration, see",
    ".BR vipd.toml (5).",
    ".TP",
    ".I /run/vipd/vipd.sock",
    "The status socket of the running daemon.",
    ".TP",
    ".I /usr/lib/systemd/system/vipd.service",
    "The systemd unit. It conflicts with keepalived.service: a node runs one of the two.",
    ".SH SEE ALSO",
    ".BR vipd.toml (5),",
    ".BR keepalived (8),",
    ".BR systemctl (1),",
    ".BR journalctl (1)",
    "",
  );
  return lines.join("\n");
}
