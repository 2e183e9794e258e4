// TOML syntax errors that say where (line and column) and, for the slips people make most, what to write
// instead: an unquoted word (interface = eth0), a pasted keepalived.conf block, a key or table set twice.

export interface SyntaxProblem {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

const KEY_VALUE = /^\s*([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*$/;
const TABLE_HEADER = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/;
// keepalived.conf opens blocks with `keyword [NAME] {`; TOML never has a line ending in a brace outside a value.
const KEEPALIVED_BLOCK = /^\s*[A-Za-z_][\w-]*(\s+\S+)?\s*\{\s*(#.*)?$/m;

type ParseValue = (text: string) => boolean;

/** The TOML parser's error (0-based line and column, its message with a code excerpt) turned into a problem. */
export function describeSyntaxError(text: string, error: unknown, parses: ParseValue): SyntaxProblem {
  const err = error as { line?: number; col?: number; message?: string };
  const line = (err.line ?? 0) + 1;
  const column = (err.col ?? 0) + 1;
  // The parser appends its own position and an excerpt of the file to the first line of its message.
  const parserMessage = (err.message ?? String(error)).split("\n")[0]!.replace(/ at row \d+, col \d+, pos \d+:?$/, "");
  const lines = text.split("\n");
  const source = lines[line - 1] ?? "";
  const hint = hintFor(parserMessage, source, lines, line, parses);
  const at = hint?.column ?? column;
  return { line, column: at, message: `TOML syntax error: ${hint?.message ?? parserMessage}` };
}

function hintFor(
  parserMessage: string,
  source: string,
  lines: readonly string[],
  line: number,
  parses: ParseValue,
): { message: string; column?: number } | null {
  const firstColumn = source.length - source.trimStart().length + 1;
  if (parserMessage.startsWith("Can't redefine existing key")) return redefined(source, lines, line, firstColumn);
  if (KEEPALIVED_BLOCK.test(lines.join("\n")) && !KEY_VALUE.test(source) && !TABLE_HEADER.test(source)) {
    return {
      message: "this is keepalived.conf syntax, not TOML; convert the file with: vipd convert KEEPALIVED.CONF > config.toml",
      column: firstColumn,
    };
  }
  const pair = KEY_VALUE.exec(source);
  if (pair) {
    const [, key, value] = pair;
    const bare = value!.replace(/\s+#.*$/, "");
    if (bare !== "" && !parses(bare) && !/["'[{]/.test(bare) && parses(JSON.stringify(bare))) {
      return {
        message: `${bare} is not a TOML value: text must be quoted, write ${key} = ${JSON.stringify(bare)}`,
        column: source.indexOf(bare) + 1,
      };
    }
  }
  if (parserMessage.startsWith('Invalid character, expected "="')) {
    return { message: `${parserMessage}: write KEY = VALUE (text in quotes), e.g. state = "MASTER"` };
  }
  if (parserMessage.startsWith("Unterminated string")) return { message: `${parserMessage}: close the quote on the same line` };
  return null;
}

/** "Can't redefine existing key": name the key or table and where it was first set. */
function redefined(source: string, lines: readonly string[], line: number, column: number): { message: string; column: number } {
  const header = TABLE_HEADER.exec(source);
  if (header) {
    const name = header[1]!.replace(/\s*\.\s*/g, ".");
    const first = lines.findIndex((l, i) => i < line - 1 && TABLE_HEADER.exec(l)?.[1]?.replace(/\s*\.\s*/g, ".") === name);
    const where = first >= 0 ? ` (first on line ${first + 1})` : "";
    return { message: `table [${name}] is defined twice${where}: merge the two into one`, column };
  }
  const pair = KEY_VALUE.exec(source);
  if (pair) {
    const key = pair[1]!;
    // The table the key is in: the nearest header above it; the first setting is the same key below that header.
    let start = line - 2;
    while (start >= 0 && !TABLE_HEADER.test(lines[start]!)) start--;
    const table = start >= 0 ? `in [${TABLE_HEADER.exec(lines[start]!)![1]}]` : "at the top level";
    let first = -1;
    for (let i = start + 1; i < line - 1; i++) if (KEY_VALUE.exec(lines[i]!)?.[1] === key) first = first < 0 ? i : first;
    const where = first >= 0 ? ` (first on line ${first + 1})` : "";
    return { message: `key "${key}" is set twice ${table}${where}: keep one`, column };
  }
  return { message: "a key or table is defined twice", column };
}
