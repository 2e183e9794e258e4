// Parses vipd's TOML. @iarna/toml is the reference: a file means what it reads, or is refused with its message
// (line, column; toml-syntax.ts adds the hints). But it is written in JavaScript, and the daemon runs with JSC's
// JIT tiers off (src/daemon/runtime-env.ts): 1,000 virtual servers × 10 real servers (1.1 MB) took it 0.75 s on
// a host, against 0.06 s for Bun's native parser (Bun.TOML.parse) — and ≈ 12× both under the test VM.
//
// So Bun's parser reads the file first, and @iarna/toml reads it instead when Bun's refuses it (for the message,
// or because @iarna/toml accepts it: integers beyond 2^53 become BigInts) and whenever the file uses something Bun's
// parser accepts but @iarna/toml refuses or reads otherwise (checked against toml-test's 1.0 suite and
// test/config/toml-parse.test.ts):
//   - inline tables over several lines or with a trailing comma (TOML 1.1);
//   - the \e and \xHH escapes (TOML 1.1);
//   - a byte order mark anywhere (@iarna/toml refuses a leading one), a carriage return anywhere (it refuses one
//     ending a comment line: CRLF files with comments), a float written as 0 with an exponent (it refuses 0e2);
//   - date-times: Bun's parser returns Temporal objects (and accepts times without seconds), @iarna/toml Dates;
//     any value that is neither a plain table, a list nor a primitive sends the file to @iarna/toml;
//   - a key named like a property every object inherits (toString, constructor, __proto__…): @iarna/toml reads
//     `[instances.toString]` as the inherited function, Bun's parser as a table.
// The checks only ever send a file to @iarna/toml, so a config is never read differently from before.

import type { TomlTable } from "./table-reader.ts";

/**
 * @iarna/toml's synchronous parser alone (the package entry also loads the stream parser and Node's `stream`,
 * ≈ 1.4 MiB), loaded the first time a file needs it: most files never do, and loading it cost every start
 * ≈ 11 ms on a host under the daemon's runtime settings (≈ 12× that under the test VM).
 */
let iarnaParse: ((text: string) => Record<string, unknown>) | null = null;

function parseWithIarna(text: string): Record<string, unknown> {
  iarnaParse ??= require("@iarna/toml/parse-string.js") as (text: string) => Record<string, unknown>;
  return iarnaParse(text);
}

/** Parses TOML text; throws @iarna/toml's error (0-based `line` and `col`) when the text is not TOML. */
export function parseToml(text: string): TomlTable {
  return parseNatively(text) ?? (parseWithIarna(text) as TomlTable);
}

/** What Bun's parser read, when it reads the text as @iarna/toml would; null when @iarna/toml must. */
export function parseNatively(text: string): TomlTable | null {
  if (NEEDS_REFERENCE_PARSER.test(text) || !inlineTablesOnOneLine(text)) return null;
  const root = parseNative(text);
  if (root === null) return null;
  return !MAY_HOLD_OTHER_VALUES.test(text) || onlyPlainValues(root) ? root : null;
}

/**
 * What onlyPlainValues looks for can only come from text like this: a date or a time, a key spelled like an
 * inherited property, or a \u escape (which could spell one). Without any, the walk over a large file is skipped.
 */
const MAY_HOLD_OTHER_VALUES = new RegExp(
  `(?<![\\w.:-])(?:\\d{4}-\\d\\d-\\d\\d|\\d\\d:\\d\\d)|\\\\[uU]|${Object.getOwnPropertyNames(Object.prototype).join("|")}`,
);

/** See above; matched anywhere (inside a string or comment too, which only costs the fast path). */
const NEEDS_REFERENCE_PARSER = /\\[ex]|\uFEFF|\r|(?<![\w.])[+-]?0[eE]/;

function parseNative(text: string): TomlTable | null {
  try {
    return Bun.TOML.parse(text) as TomlTable;
  } catch {
    return null;
  }
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const HASH = 0x23;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;

/**
 * Whether every "{" starts an inline table that closes on its own line without a trailing comma. Each "{" is
 * looked at, also those inside strings and comments: one that does not close so only costs the fast path.
 */
export function inlineTablesOnOneLine(text: string): boolean {
  for (let start = text.indexOf("{"); start >= 0; start = text.indexOf("{", start + 1)) {
    FLAT_ON_ONE_LINE.lastIndex = start;
    if (FLAT_ON_ONE_LINE.test(text)) start = FLAT_ON_ONE_LINE.lastIndex - 1;
    else if (!closesOnItsLine(text, start)) return false;
  }
  return true;
}

/**
 * The common case in one regular expression (a file of 10,000 real-server rows has 10,000 of them): an inline
 * table closing on its line with no table, comment, escape or literal string inside, and no comma before its
 * "}". Anything else is judged by closesOnItsLine.
 */
const FLAT_ON_ONE_LINE = /\{(?:[^{}\n#"',]|"[^"\\\n]*"|,(?=[ \t]*[^ \t}]))*\}/y;

function closesOnItsLine(text: string, start: number): boolean {
  let depth = 0;
  let lastSignificant = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE || c === HASH) return false;
    if (c === QUOTE || c === APOSTROPHE) {
      i = stringEnd(text, i, c);
      if (i < 0) return false;
      lastSignificant = c;
      continue;
    }
    if (c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACE) {
      if (lastSignificant === COMMA) return false;
      if (--depth === 0) return true;
    }
    if (c !== 0x20 && c !== 0x09) lastSignificant = c;
  }
  return false;
}

/** The index of the quote closing the one-line string opened at `at`, or -1 (a line end or the text's end first). */
function stringEnd(text: string, at: number, quote: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) return -1;
    if (c === BACKSLASH && quote === QUOTE) i++;
    else if (c === quote) return i;
  }
  return -1;
}

/**
 * Whether every value is a string, number, boolean, list or plain table, and no key is an inherited property's
 * name; walked without recursion.
 */
function onlyPlainValues(root: TomlTable): boolean {
  const pending: object[] = [root];
  for (let guard = 0; pending.length > 0 && guard < 1e8; guard++) {
    const value = pending.pop()!;
    if (Array.isArray(value)) {
      for (const v of value) if (typeof v === "object" && v !== null) pending.push(v);
    } else if (Object.getPrototypeOf(value) === Object.prototype) {
      for (const key in value) {
        if (key in Object.prototype) return false;
        const v = (value as TomlTable)[key];
        if (typeof v === "object" && v !== null) pending.push(v);
      }
    } else return false;
  }
  return pending.length === 0;
}
