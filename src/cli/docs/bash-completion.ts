// The bash completion of vipd, generated from the command tree (command-docs.ts): commands, each command's
// options, the choices of enum options, file names where a file is expected.

import type { CommandDoc, OptionDoc } from "./command-docs.ts";

const FILE_VALUE = /config|socket|output|file/;

function spellings(option: OptionDoc): string[] {
  return [`--${option.name}`, ...option.aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
}

function valueCases(command: CommandDoc): string[] {
  const cases: string[] = [];
  for (const option of command.options) {
    if (option.kind === "boolean" || option.kind === "positional") continue;
    const pattern = spellings(option).join("|");
    if (option.choices) cases.push(`        ${pattern}) COMPREPLY=($(compgen -W "${option.choices.join(" ")}" -- "$cur")); return ;;`);
    else if (FILE_VALUE.test(option.name)) cases.push(`        ${pattern}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`);
    else cases.push(`        ${pattern}) return ;;`);
  }
  return cases;
}

function commandCase(command: CommandDoc, commandNames: string): string[] {
  const flags = [...command.options.filter((o) => o.kind !== "positional").flatMap(spellings), "--help"].join(" ");
  const takesFile = command.options.some((o) => o.kind === "positional" && FILE_VALUE.test(o.name));
  const words =
    command.name === "help"
      ? `COMPREPLY=($(compgen -W "${commandNames}" -- "$cur"))`
      : takesFile
        ? 'COMPREPLY=($(compgen -f -- "$cur"))'
        : "";
  const cases = valueCases(command);
  return [
    `    ${command.name})`,
    ...(cases.length > 0 ? ["      case $prev in", ...cases, "      esac"] : []),
    `      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "${flags}" -- "$cur"))${words === "" ? "" : `; else ${words}`}; fi`,
    "      ;;",
  ];
}

export function bashCompletion(root: CommandDoc): string {
  const commandNames = root.subcommands.map((c) => c.name).join(" ");
  return [
    "# bash completion for vipd (generated from its command definitions; do not edit)",
    "_vipd() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" command="" i',
    "  COMPREPLY=()",
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    '    case "${COMP_WORDS[i]}" in -*) ;; *) command="${COMP_WORDS[i]}"; break ;; esac',
    "  done",
    '  case "$command" in',
    `    "") COMPREPLY=($(compgen -W "${commandNames} --help --version" -- "$cur")) ;;`,
    ...root.subcommands.flatMap((c) => commandCase(c, commandNames)),
    "  esac",
    "}",
    "complete -o filenames -F _vipd vipd",
    "",
  ].join("\n");
}
