// Line-level lexing of keepalived.conf: comment stripping and splitting a line into words and braces.
// Behaviour follows keepalived 2.2.7 as observed with `keepalived -t`: only double quotes quote, their
// content is kept verbatim (no escapes), and a quote starts a new word even inside a word.
import type { Diagnostics, Token } from "./types.ts";

/** Cuts a line at the first `#` or `!` that is not inside a double-quoted string. */
export function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "#" || c === "!")) return line.slice(0, i);
  }
  return line;
}

const SPACE = /\s/;

/** Splits one logical line (already comment-free) into word/open/close tokens. */
export function tokenizeLine(text: string, file: string, line: number, diags: Diagnostics): Token[] {
  const tokens: Token[] = [];
  let word = "";
  const flush = (): void => {
    if (word !== "") tokens.push({ kind: "word", text: word, quoted: false, file, line });
    word = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (SPACE.test(c)) flush();
    else if (c === "{" || c === "}") {
      flush();
      tokens.push({ kind: c === "{" ? "open" : "close", text: c, quoted: false, file, line });
    } else if (c === '"') {
      if (word !== "") {
        diags.warn(file, line, `quote inside word '${word}"...': keepalived splits it into separate words`);
      }
      flush();
      const close = text.indexOf('"', i + 1);
      const end = close < 0 ? text.length : close;
      if (close < 0) diags.warn(file, line, "unterminated quote: string runs to end of line");
      tokens.push({ kind: "word", text: text.slice(i + 1, end), quoted: true, file, line });
      i = end;
      const after = text[end + 1];
      if (close >= 0 && after !== undefined && !SPACE.test(after) && after !== "{" && after !== "}") {
        diags.warn(file, line, "text glued after a closing quote becomes a separate word");
      }
    } else word += c;
  }
  flush();
  return tokens;
}
