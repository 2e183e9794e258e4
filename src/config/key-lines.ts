// Maps key paths to the line they are written on. @iarna/toml reports no positions for keys, so this walks the
// text once more, understanding only structure: table headers, arrays of tables, dotted keys, inline tables,
// arrays and strings (so a "#" or "]" inside a string does not confuse it). It runs only on text the TOML parser
// has accepted, and on anything it does not understand it skips to the next line rather than failing.
//
// Linear in the text: every path is built from its parent's (never re-formatted from the root), and values nested
// deeper than MAX_DEPTH are skipped without recording (their errors point at the nearest recorded ancestor), so a
// hostile file of deeply nested arrays neither takes quadratic time nor the stack.
//
// Lazy: lines are needed only for errors and warnings, and the walk over a 1,000-service load balancer (1.1 MB)
// took 0.46 s on a host under the daemon's interpreter-only runtime. A question reads on only until the path it
// asks about is recorded (a path and its prefixes get their line when first seen, which more text cannot change),
// or to the end when the path is not written down.

import { extendKeyPath, formatKeyPath, type PathSegment } from "./key-path.ts";

export class KeyLines {
  constructor(private readonly scanner: Scanner) {}

  /**
   * The line of the path, else of its nearest ancestor that was written down (a table header), else 1. Every
   * recorded path has its prefixes recorded too, so the walk from the root stops at the first one missing.
   */
  lineOf(segments: readonly PathSegment[]): number {
    const lines = this.scanner.scanUntil(formatKeyPath(segments));
    let id = "";
    let line = 1;
    for (const segment of segments) {
      id = extendKeyPath(id, segment);
      const found = lines.get(id);
      if (found === undefined) break;
      line = found;
    }
    return line;
  }

  has(segments: readonly PathSegment[]): boolean {
    const id = formatKeyPath(segments);
    return this.scanner.scanUntil(id).has(id);
  }
}

/** The text's key lines, found as they are asked for. */
export function scanKeyLines(text: string): KeyLines {
  return new KeyLines(new Scanner(text));
}

const BARE = /[A-Za-z0-9_-]/;
/** Nesting of arrays and inline tables below which paths are still recorded. No real config comes near it. */
const MAX_DEPTH = 32;

class Scanner {
  private pos = 0;
  private line = 1;
  private readonly found = new Map<string, number>();
  /** Index of the current element of each array of tables, by its path without indices. */
  private readonly arrayIndex = new Map<string, number>();
  /** The table the statements being read belong to. */
  private table: PathSegment[] = [];
  private guard: number;

  constructor(private readonly text: string) {
    this.guard = text.length + 10;
  }

  /** Reads statements until `id` is recorded or the text ends; returns every path recorded so far. */
  scanUntil(id: string): ReadonlyMap<string, number> {
    while (this.pos < this.text.length && this.guard-- > 0 && !this.found.has(id)) {
      this.skipBlank(true);
      if (this.pos >= this.text.length) break;
      const start = this.pos;
      const ch = this.text[this.pos];
      if (ch === "[") {
        const isArray = this.text[this.pos + 1] === "[";
        this.pos += isArray ? 2 : 1;
        const keys = this.readKey();
        if (keys) this.table = this.headerPath(keys, isArray);
      } else {
        const keys = this.readKey();
        this.skipBlank(false);
        if (keys && this.text[this.pos] === "=") {
          this.pos++;
          const path = this.record([...this.table, ...keys]);
          this.skipBlank(false);
          this.readValue(path, 0);
        }
      }
      this.skipToLineEnd();
      if (this.pos === start) this.pos++;
    }
    return this.found;
  }

  /** Resolves a header against open arrays of tables: `[a.b]` after `[[a]]` means the last element of `a`. */
  private headerPath(keys: string[], isArray: boolean): PathSegment[] {
    const path: PathSegment[] = [];
    const plain: string[] = [];
    keys.forEach((key, i) => {
      path.push(key);
      plain.push(key);
      const id = formatKeyPath(plain);
      const last = i === keys.length - 1;
      if (last && isArray) {
        const index = (this.arrayIndex.get(id) ?? -1) + 1;
        this.arrayIndex.set(id, index);
        this.record(path);
        path.push(index);
      } else {
        const index = this.arrayIndex.get(id);
        if (index !== undefined) path.push(index);
      }
    });
    this.record(path);
    return path;
  }

  /**
   * Records the path and its prefixes (`[a.b.c]` and `a.b = 1` also define `a` and `a.b` where not yet seen);
   * returns the path's id.
   */
  private record(path: readonly PathSegment[]): string {
    let id = "";
    for (const segment of path) {
      id = extendKeyPath(id, segment);
      this.recordId(id);
    }
    return id;
  }

  private recordId(id: string): void {
    if (!this.found.has(id)) this.found.set(id, this.line);
  }

  /** Reads the value of the path `id`, `depth` arrays and inline tables deep. */
  private readValue(id: string, depth: number): void {
    const ch = this.text[this.pos];
    if ((ch === "{" || ch === "[") && depth >= MAX_DEPTH) {
      this.skipNested();
      return;
    }
    if (ch === "{") {
      this.pos++;
      for (let guard = 0; guard < this.text.length; guard++) {
        this.skipBlank(true);
        const c = this.text[this.pos];
        if (c === undefined) return;
        if (c === "}") {
          this.pos++;
          return;
        }
        if (c === ",") {
          this.pos++;
          continue;
        }
        const keys = this.readKey();
        this.skipBlank(false);
        if (!keys || this.text[this.pos] !== "=") return;
        this.pos++;
        let inner = id;
        for (const key of keys) {
          inner = extendKeyPath(inner, key);
          this.recordId(inner);
        }
        this.skipBlank(false);
        this.readValue(inner, depth + 1);
      }
    } else if (ch === "[") {
      this.pos++;
      let index = 0;
      for (let guard = 0; guard < this.text.length; guard++) {
        this.skipBlank(true);
        const c = this.text[this.pos];
        if (c === undefined) return;
        if (c === "]") {
          this.pos++;
          return;
        }
        if (c === ",") {
          this.pos++;
          continue;
        }
        const element = extendKeyPath(id, index++);
        this.recordId(element);
        const before = this.pos;
        this.readValue(element, depth + 1);
        if (this.pos === before) return;
      }
    } else if (ch === '"' || ch === "'") {
      this.readString();
    } else {
      while (this.pos < this.text.length && !/[,\]}\n#]/.test(this.text[this.pos]!)) this.pos++;
    }
  }

  /** Skips one array or inline table, however deep, without recursion (strings and comments understood). */
  private skipNested(): void {
    let open = 0;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === '"' || c === "'") {
        if (this.readString() === null) return;
        continue;
      }
      if (c === "#") this.skipComment();
      else if (c === "\n") this.line++;
      else if (c === "[" || c === "{") open++;
      else if (c === "]" || c === "}") {
        open--;
        if (open === 0) {
          this.pos++;
          return;
        }
      }
      this.pos++;
    }
  }

  /** A dotted key; null when there is none here. */
  private readKey(): string[] | null {
    const keys: string[] = [];
    for (;;) {
      this.skipBlank(false);
      const ch = this.text[this.pos];
      if (ch === '"' || ch === "'") {
        const key = this.readString(true);
        if (key === null) return null;
        keys.push(key);
      } else {
        const start = this.pos;
        while (this.pos < this.text.length && BARE.test(this.text[this.pos]!)) this.pos++;
        if (this.pos === start) return null;
        keys.push(this.text.slice(start, this.pos));
      }
      this.skipBlank(false);
      if (this.text[this.pos] !== ".") return keys;
      this.pos++;
    }
  }

  /**
   * Reads any of the four string forms and returns its content (escapes decoded only as far as keys need), or
   * skips it (`keep` false: values, whose content is never needed) and returns "". null when unterminated.
   */
  private readString(keep = false): string | null {
    const quote = this.text[this.pos]!;
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const close = triple ? quote.repeat(3) : quote;
    this.pos += close.length;
    let out = "";
    while (this.pos < this.text.length) {
      if (this.text.startsWith(close, this.pos)) {
        this.pos += close.length;
        // A multi-line string may end with up to two extra quotes inside it.
        while (triple && this.text[this.pos] === quote) this.pos++;
        return out;
      }
      const c = this.text[this.pos]!;
      if (c === "\n") {
        if (!triple) return null;
        this.line++;
      }
      if (c === "\\" && quote === '"') {
        const next = this.text[this.pos + 1] ?? "";
        if (next === "\n") this.line++;
        if (keep) out += next === '"' || next === "\\" ? next : c + next;
        this.pos += 2;
        continue;
      }
      if (keep) out += c;
      this.pos++;
    }
    return null;
  }

  /** Skips spaces and comments; with `newlines` also line ends (counting them). */
  private skipBlank(newlines: boolean): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === " " || c === "\t" || c === "\r") this.pos++;
      else if (c === "#") this.skipComment();
      else if (c === "\n" && newlines) {
        this.line++;
        this.pos++;
      } else return;
    }
  }

  private skipComment(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== "\n") this.pos++;
  }

  private skipToLineEnd(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== "\n") {
      if (this.text[this.pos] === '"' || this.text[this.pos] === "'") {
        if (this.readString() === null) return;
      } else this.pos++;
    }
  }
}
