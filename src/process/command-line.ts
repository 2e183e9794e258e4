// Splits a script line as keepalived users write it ("/usr/local/bin/notify.sh VI_1 'two words'") into argv,
// so that scripts run without a shell: words separated by blanks, single or double quotes grouping words.

export type SplitResult = { ok: true; argv: string[] } | { ok: false; reason: string };

export function splitCommandLine(line: string): SplitResult {
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
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
  if (quote) return { ok: false, reason: `unterminated ${quote} quote` };
  if (inWord) argv.push(word);
  if (argv.length === 0) return { ok: false, reason: "empty command" };
  return { ok: true, argv };
}
