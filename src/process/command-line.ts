// Splits a command line into words the way a shell would for plain words and quotes (no variables, no globs):
// keepalived passes script lines to a shell only in special cases, vipd runs the words directly.

export type SplitResult = { ok: true; argv: string[] } | { ok: false; reason: string };

export function splitCommandLine(line: string): SplitResult {
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
      continue;
    }
    if (c === "\\") {
      const next = line[i + 1];
      if (next === undefined) return { ok: false, reason: "ends with a lone backslash" };
      // Inside double quotes a backslash only escapes what the shell lets it escape.
      if (quote === '"' && !'"\\$`'.includes(next)) word += c;
      word += next;
      inWord = true;
      i++;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) argv.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) return { ok: false, reason: `has an unterminated ${quote} quote` };
  if (inWord) argv.push(word);
  if (argv.length === 0) return { ok: false, reason: "is empty" };
  return { ok: true, argv };
}
