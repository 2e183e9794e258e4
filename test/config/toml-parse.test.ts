// The config's TOML parser (src/config/toml-parse.ts): Bun's native parser where it reads a file exactly as
// @iarna/toml does, @iarna/toml everywhere else. Conformance: every document @iarna/toml refuses is refused (with
// its error), every document it accepts reads to the same values, and the fast path is really taken for configs.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { inlineTablesOnOneLine, parseNatively, parseToml } from "../../src/config/toml-parse.ts";

const root = join(import.meta.dir, "../..");

function refusal(parse: (text: string) => unknown, text: string): string | null {
  try {
    parse(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Deep equality that tells -0 from 0, a Date from a string and BigInt from number, and checks key order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (typeof a !== typeof b) return false;
  if (typeof a === "number") return Object.is(a, b);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (typeof a === "object" && a !== null) {
    if (b === null || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue((a as never)[k], (b as never)[k]));
  }
  return a === b;
}

// Documents that are not TOML, by what is wrong with them (written for this test, after the TOML 1.0 spec).
const INVALID: Record<string, string> = {
  "key set twice": "a = 1\na = 2\n",
  "key set twice, quoted once": 'a = 1\n"a" = 2\n',
  "key set twice through an escape": '"\\u0061" = 1\na = 2\n',
  "key set twice in an inline table": "t = { a = 1, a = 2 }\n",
  "table defined twice": "[t]\na = 1\n[t]\nb = 2\n",
  "super table defined twice": "[a.b]\n[a]\n[a]\n",
  "table over a value": "t = 1\n[t]\n",
  "table over a dotted key's table": "a.b = 1\n[a]\nc = 2\n",
  "table over a key in a table": "[a]\nb = 1\n[a.b]\nc = 1\n",
  "table over an array of tables": "[[a]]\n[a]\n",
  "array of tables over a table": "[a]\n[[a]]\n",
  "array of tables over a static array": "a = [1]\n[[a]]\n",
  "inline table extended by a header": "a = { b = 1 }\n[a.c]\nd = 1\n",
  "inline table extended by a dotted key": "a = { b = 1 }\na.c = 2\n",
  "dotted key through a value": "a = 1\na.b = 2\n",
  "unquoted word": "a = eth0\n",
  "unquoted address": "a = 192.0.2.1\n",
  "True in capitals": "a = True\n",
  "missing value": "a =\n",
  "missing equals": "a 1\n",
  "key alone": "a\n",
  "empty bare key": " = 1\n",
  "two pairs on one line": "a = 1 b = 2\n",
  "text after a header": "[a] b = 1\n",
  "empty table name": "[]\n",
  "unclosed header": "[a\nb = 1\n",
  "unclosed array of tables": "[[a]\n",
  "unterminated string": 'a = "x\n',
  "newline in a basic string": 'a = "x\ny"\n',
  "unterminated literal string": "a = 'x\n",
  "unterminated multi-line string": 'a = """x\n',
  "unknown escape": 'a = "\\q"\n',
  "escape of a surrogate": 'a = "\\uD800"\n',
  "short unicode escape": 'a = "\\u12"\n',
  "control character in a string": 'a = "\u0001"\n',
  "control character in a comment": "# \u0000\na = 1\n",
  "lone carriage return": "a = 1\rb = 2\n",
  "leading zero": "a = 01\n",
  "trailing underscore": "a = 1_\n",
  "double underscore": "a = 1__0\n",
  "underscore after the radix prefix": "a = 0x_1\n",
  "sign on a hexadecimal integer": "a = -0x1\n",
  "float without a leading digit": "a = .5\n",
  "float without digits after the point": "a = 5.\n",
  "float with an empty exponent": "a = 1e\n",
  "month 13": "a = 1979-13-27\n",
  "day 32": "a = 1979-05-32\n",
  "unclosed array": "a = [1, 2\n",
  "array without commas": "a = [1 2]\n",
  "array with two commas": "a = [1,,2]\n",
  "unclosed inline table": "a = { b = 1\n",
  "inline table without commas": "a = { b = 1 c = 2 }\n",
  // TOML 1.1 features Bun's parser has and @iarna/toml has not: each is refused, as @iarna/toml refuses it.
  "inline table over two lines": "a = { b = 1,\n  c = 2 }\n",
  "inline table opening a line, closing the next": "a = {\n}\n",
  "inline table nested over two lines": "a = [{ b = 1 }, { c = { d = 1,\n} }]\n",
  "inline table with a trailing comma": "a = { b = 1, }\n",
  "escape \\e": 'a = "\\e"\n',
  "escape \\x": 'a = "\\x41"\n',
  "escape \\x in a multi-line string": 'a = """\\x41"""\n',
  "byte order mark in the middle": "a = 1\n\uFEFFb = 2\n",
  "two byte order marks": "\uFEFF\uFEFFa = 1\n",
  "leading byte order mark (valid TOML)": "\uFEFFa = 1\n",
  "time without seconds": "a = 07:32\n",
  "date-time without seconds": "a = 1979-05-27 07:32\n",
  // Valid TOML that @iarna/toml refuses: refused still, so a config vipd refused yesterday is not read today.
  "float 0 with an exponent (valid TOML)": "a = 0e2\n",
  "CRLF with a comment (valid TOML)": "# c\r\na = 1\r\n",
};

// Documents Bun's parser takes for valid while @iarna/toml refuses them: what the routing in toml-parse.ts exists for.
const NATIVE_ONLY = [
  "inline table over two lines",
  "inline table opening a line, closing the next",
  "inline table nested over two lines",
  "inline table with a trailing comma",
  "escape \\e",
  "escape \\x",
  "escape \\x in a multi-line string",
  "leading byte order mark (valid TOML)",
  "time without seconds",
  "date-time without seconds",
  "float 0 with an exponent (valid TOML)",
  "CRLF with a comment (valid TOML)",
];

// Documents both accept; several must be read by @iarna/toml, as only it reads them the way vipd always has.
const VALID: Record<string, string> = {
  "offset date-time (a Date)": "a = 1979-05-27T07:32:00-07:00\n",
  "local date-time (a Date)": "a = 1979-05-27T07:32:00\n",
  "date in a list (a Date)": "a = [1979-05-27T07:32:00Z]\n",
  "date in an inline table (a Date)": "a = { b = 1979-05-27T07:32:00Z }\n",
  "integer beyond 2^53 (a BigInt)": "a = 9007199254740993\n",
  "integer at the 64-bit limit (a BigInt)": "a = 9223372036854775807\n",
  "negative zero": "a = -0.0\nb = -0\n",
  "special floats": "a = inf\nb = -inf\nc = nan\n",
  "float -0 with an exponent": "a = -0E2\n",
  "CRLF without comments": "a = 1\r\nb = 'x'\r\n",
  "a time of 24:00:00, which @iarna/toml accepts": "a = 24:00:00\n",
  "byte order mark in a string": 'a = "\uFEFF"\n',
  "escape-like text in a literal string": "a = 'C:\\xfiles\\exec'\n",
  "brace in a string": 'a = "{"\nb = "}"\n',
  "brace in a comment": "# {\na = 1\n",
  "multi-line string in an inline table": 'a = { b = """x"""}\n',
  "array of inline tables over lines": "a = [\n  { b = 1 },\n  { c = 2 },\n]\n",
  "integers in every base": "a = 0xdead_beef\nb = 0o17\nc = 0b101\nd = +5\ne = 1_000\n",
  escapes: 'a = "\\t\\n\\\\\\"\\u00e9\\U0001F600"\n',
  "multi-line strings": "a = \"\"\"\nx\\\n   y\"\"\"\nb = '''\nz'''\n",
  "dotted and quoted keys": 'a.b.c = 1\n"x.y" = 2\n[t."u v"]\nw = 3\n',
  "array of tables with subtables": "[[a]]\nb = 1\n[a.c]\nd = 2\n[[a]]\nb = 2\n",
  "mixed list": 'a = [1, "x", 1.5, [2]]\n',
  "keys like __proto__ and constructor": "__proto__ = 1\nconstructor = 2\n",
};

describe("TOML parsing: Bun's parser where it reads as @iarna/toml does, @iarna/toml elsewhere", () => {
  test("every invalid document is refused, with @iarna/toml's error (line and column for the message)", () => {
    for (const [name, text] of Object.entries(INVALID)) {
      const reference = refusal(TOML.parse, text);
      expect({ name, refusedByIarna: reference !== null }).toEqual({ name, refusedByIarna: true });
      let error: unknown = null;
      try {
        parseToml(text);
      } catch (e) {
        error = e;
      }
      expect({ name, message: (error as Error | null)?.message }).toEqual({ name, message: reference! });
      expect(typeof (error as { line?: unknown }).line).toBe("number");
    }
  });

  test("what the routing is for: Bun's parser accepts these, so they must never reach it alone", () => {
    for (const name of NATIVE_ONLY) {
      const text = INVALID[name]!;
      expect({ name, acceptedByBun: refusal(Bun.TOML.parse, text) === null }).toEqual({ name, acceptedByBun: true });
      expect({ name, native: parseNatively(text) }).toEqual({ name, native: null });
    }
  });

  test("a key named like an inherited property goes to @iarna/toml, which reads such tables its own way", () => {
    // @iarna/toml takes [instances.toString] for the inherited function (and sets the table's keys on it, so the
    // next parse in the process differs): not compared here, only routed, so vipd reads such a file as before.
    // Spelled with escapes too: the text then holds no such name, only the key Bun's parser reads.
    const escaped = ['"\\u0063onstructor" = 1\n', '[a]\n"\\u005F_proto__" = 1\n', '["instances"."to\\u0053tring"]\nx = 1\n'];
    for (const text of [
      "[instances.toString]\nx = 1\n",
      "constructor = 1\n",
      "[a]\n__proto__ = 1\n",
      "a = { valueOf = 1 }\n",
      ...escaped,
    ]) {
      expect({ text, acceptedByBun: refusal(Bun.TOML.parse, text) === null }).toEqual({ text, acceptedByBun: true });
      expect({ text, native: parseNatively(text) }).toEqual({ text, native: null });
    }
  });

  test("valid documents read to exactly @iarna/toml's values (Dates, BigInts, -0 included)", () => {
    for (const [name, text] of Object.entries(VALID)) {
      const reference = TOML.parse(text);
      expect({ name, same: sameValue(parseToml(text), reference) }).toEqual({ name, same: true });
    }
    expect(parseToml(VALID["offset date-time (a Date)"]!).a).toBeInstanceOf(Date);
    expect(typeof parseToml(VALID["integer beyond 2^53 (a BigInt)"]!).a).toBe("bigint");
  });

  test("vipd's own files and fixtures read to @iarna/toml's values, through Bun's parser", () => {
    const files = [join(root, "config.toml.example"), ...tomlFiles(join(root, "test"))];
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const reference = refusal(TOML.parse, text) === null ? TOML.parse(text) : null;
      if (reference === null) {
        expect({ file, refused: refusal(parseToml, text) !== null }).toEqual({ file, refused: true });
        continue;
      }
      expect({ file, same: sameValue(parseToml(text), reference) }).toEqual({ file, same: true });
    }
    // The example is written with inline tables and comments full of braces: it must still take the fast path.
    expect(parseNatively(readFileSync(join(root, "config.toml.example"), "utf8"))).not.toBeNull();
  });

  test("a large load balancer takes the fast path and reads as @iarna/toml reads it", () => {
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      lines.push(`[virtual_servers."203.0.113.${1 + (i % 250)}:${80 + i}"]`, `address = "203.0.113.${1 + (i % 250)}"`, `port = ${80 + i}`);
      lines.push('protocol = "tcp"', 'lb_algo = "wrr"', "delay_loop = 6.5");
      for (let j = 0; j < 5; j++) {
        lines.push(`[[virtual_servers."203.0.113.${1 + (i % 250)}:${80 + i}".real_servers]]`, `address = "198.51.100.${1 + j}"`);
        lines.push("port = 8080", `weight = ${j}`, `notify_up = { command = "/bin/true", user = "nobody" }`);
      }
    }
    const text = `${lines.join("\n")}\n`;
    const native = parseNatively(text);
    expect(native).not.toBeNull();
    expect(sameValue(native, TOML.parse(text))).toBe(true);
  });
});

describe("inlineTablesOnOneLine", () => {
  test("true when every brace closes on its line without a trailing comma", () => {
    expect(inlineTablesOnOneLine("a = 1\n")).toBe(true);
    expect(inlineTablesOnOneLine('a = { b = "}", c = [1, 2,], d = { e = 1 } }\n')).toBe(true);
    expect(inlineTablesOnOneLine('a = { b = "#{}" }  # {x}\n')).toBe(true);
  });

  test("false for a table running over a line, a trailing comma, a comment inside, a brace left open", () => {
    expect(inlineTablesOnOneLine("a = { b = 1,\n c = 2 }\n")).toBe(false);
    expect(inlineTablesOnOneLine("a = { b = { c = 1 },  }\n")).toBe(false);
    expect(inlineTablesOnOneLine("a = { b = 1 # x }\n")).toBe(false);
    expect(inlineTablesOnOneLine('a = { b = "x\n')).toBe(false);
    expect(inlineTablesOnOneLine("# {\na = 1\n")).toBe(false);
    // The same in rows of a list, with strings and commas before them (the one-expression shortcut's cases).
    expect(inlineTablesOnOneLine('r = [\n  { a = "x}", b = 1, },\n]\n')).toBe(false);
    expect(inlineTablesOnOneLine('r = [\n  { a = "x\\"}", b = 1 , },\n]\n')).toBe(false);
    expect(inlineTablesOnOneLine("r = [\n  { a = 'x', b = 1,\n c = 2 },\n]\n")).toBe(false);
    expect(inlineTablesOnOneLine('r = [\n  { a = "x", b = 1 },\n  { a = "y", # z }\n]\n')).toBe(false);
  });

  test("rows of inline tables, one a line, with strings holding braces and commas", () => {
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => `  { address = "198.51.100.${1 + (i % 250)}", port = ${i}, note = "a, {b}, c" },`);
    const text = `[virtual_servers.x]\nreal_servers = [\n${rows(2000).join("\n")}\n]\n`;
    expect(inlineTablesOnOneLine(text)).toBe(true);
    const native = parseNatively(text);
    expect(native).not.toBeNull();
    expect(sameValue(native, TOML.parse(text))).toBe(true);
  });
});

function tomlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".toml")) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}
