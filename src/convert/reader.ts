// Turns a keepalived.conf and everything it includes into one token stream. Per line, in the order
// keepalived 2.2.7 applies them: comments, `@` conditions, `$NAME=` definitions, `~SEQ`/`~LST`
// loops, parameter substitution, then `include` (so, unlike the manual says, an include may be
// conditional or use a parameter, as it can in keepalived itself).
import { dirname, resolve } from "node:path";
import { applyConditional } from "./conditional.ts";
import { stripComment, tokenizeLine } from "./lexer.ts";
import { continuation, MacroTable, parseDefinition } from "./macros.ts";
import { parseLoops, type Loop } from "./sequence.ts";
import { nodeFileSystem, parseInclude, resolveInclude, splitLines, type FileSystem, type IncludeDirective } from "./source.ts";
import { Diagnostics, type Diagnostic, type Token } from "./types.ts";

export interface ReadOptions {
  fs?: FileSystem;
  /** Active config ids for `@id` lines (keepalived's `-i`); default none. */
  configIds?: string[];
  /** Value of `${_INSTANCE}`; defaults to the first config id. */
  instance?: string;
  /** Source of `${_RANDOM}`; injectable so output can be reproducible. */
  random?: () => number;
}

export interface ReadResult {
  tokens: Token[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

interface Location {
  file: string;
  line: number;
}

/** Bounds nested expansion (a multi-line parameter that uses itself). */
const MAX_DEPTH = 32;

class Reader {
  readonly diags = new Diagnostics();
  readonly tokens: Token[] = [];
  private readonly macros = new MacroTable();
  private readonly openFiles: string[] = [];
  private readonly ids: ReadonlySet<string>;
  private readonly reportedUndefined = new Set<string>();

  constructor(private readonly options: ReadOptions & { fs: FileSystem }) {
    this.ids = new Set(options.configIds ?? []);
  }

  /** `unreadableIsError` is false for plain `include`, which tolerates unreadable files. */
  readFile(path: string, from: Location | null, unreadableIsError = true): void {
    const key = resolve(path);
    if (this.openFiles.includes(key)) {
      const at = from ?? { file: path, line: 0 };
      const chain = [...this.openFiles.slice(this.openFiles.indexOf(key)), key].join(" -> ");
      this.diags.error(at.file, at.line, `include cycle: ${chain}`);
      return;
    }
    let text: string;
    try {
      text = this.options.fs.readFile(path);
    } catch (e) {
      const at = from ?? { file: path, line: 0 };
      const message = `cannot read '${path}': ${(e as Error).message}`;
      if (unreadableIsError) this.diags.error(at.file, at.line, message);
      else this.diags.warn(at.file, at.line, message);
      return;
    }
    this.openFiles.push(key);
    this.readLines(splitLines(text), path);
    this.openFiles.pop();
  }

  private readLines(lines: string[], file: string): void {
    for (let i = 0; i < lines.length; i++) {
      const loc = { file, line: i + 1 };
      const text = applyConditional(stripComment(lines[i]!), this.ids);
      if (text === null) continue;
      const def = parseDefinition(text);
      if (def?.continued) {
        // A multi-line value ends at the first line without a trailing `\`. Blank lines inside are
        // skipped as in the manual's examples (keepalived 2.2.7 would end the value there).
        const parts = def.value === "" ? [] : [def.value];
        while (i + 1 < lines.length) {
          const next = stripComment(lines[++i]!);
          if (next.trim() === "") continue;
          const cont = continuation(next);
          parts.push((cont ?? next).trim());
          if (cont === null) break;
        }
        this.macros.define(def.name, parts.join("\n"));
        continue;
      }
      this.processLine(text, loc, 0);
    }
  }

  private processLine(line: string, loc: Location, depth: number): void {
    if (depth > MAX_DEPTH) {
      this.diags.error(loc.file, loc.line, "parameter or loop expansion nested too deep");
      return;
    }
    let text = applyConditional(line, this.ids);
    if (text === null) return;
    const def = parseDefinition(text);
    if (def) {
      this.macros.define(def.name, def.value);
      return;
    }
    const loops = parseLoops(text);
    if (!loops.ok) {
      this.diags.error(loc.file, loc.line, loops.message);
      return;
    }
    if (loops.loops.length > 0) {
      this.expandLoops(loops.loops, loops.rest, loc, depth);
      return;
    }
    const sub = this.macros.substitute(text, {
      pwd: resolve(dirname(loc.file)),
      instance: this.options.instance ?? this.options.configIds?.[0] ?? "",
      random: this.options.random ?? Math.random,
    });
    for (const name of sub.undefined) this.warnUndefined(name, loc);
    if (sub.runaway) {
      this.diags.error(loc.file, loc.line, "parameter substitution does not terminate (self-referencing definition?)");
      return;
    }
    if (sub.text.includes("\n")) {
      for (const part of sub.text.split("\n")) this.processLine(part, loc, depth + 1);
      return;
    }
    // A parameter may expand to a condition (`$IF_MAIN=@main`).
    text = applyConditional(sub.text, this.ids);
    if (text === null) return;
    // Matched on the text, not tokens: a pattern's `{a,b}` must not become braces.
    const directive = parseInclude(text);
    if (directive) this.include(directive, loc);
    else this.emit(tokenizeLine(text, loc.file, loc.line, this.diags), loc);
  }

  private expandLoops(loops: Loop[], rest: string, loc: Location, depth: number): void {
    const [loop, ...inner] = loops;
    if (!loop) {
      this.processLine(rest, loc, depth + 1);
      return;
    }
    for (const row of loop.rows) {
      for (const [k, name] of loop.vars.entries()) this.macros.define(name, row[k]!);
      this.expandLoops(inner, rest, loc, depth);
    }
  }

  private warnUndefined(name: string, loc: Location): void {
    const key = `${loc.file}:${loc.line}:${name}`;
    if (this.reportedUndefined.has(key)) return;
    this.reportedUndefined.add(key);
    this.diags.warn(loc.file, loc.line, `parameter '${name}' is not defined; '$${name}' is left as written`);
  }

  private emit(tokens: Token[], loc: Location): void {
    if (tokens.length === 0) return;
    this.tokens.push(...tokens, { kind: "eol", text: "", quoted: false, file: loc.file, line: loc.line });
  }

  private include(directive: IncludeDirective, loc: Location): void {
    const { keyword, pattern, checks } = directive;
    if (pattern === "") {
      this.diags.warn(loc.file, loc.line, `${keyword} without a file name`);
      return;
    }
    const found = resolveInclude(pattern, loc.file, this.options.fs);
    if (found.unmatched) {
      const strict = found.unmatched.wildcard ? checks.wildcardMatch : checks.match;
      const message = `${keyword} '${pattern}' matches no file`;
      if (strict) this.diags.error(loc.file, loc.line, message);
      else this.diags.warn(loc.file, loc.line, message);
      return;
    }
    for (const path of found.paths) this.readFile(path, loc, checks.readable);
  }
}

export function readConfigTokens(entry: string, options: ReadOptions = {}): ReadResult {
  const reader = new Reader({ ...options, fs: options.fs ?? nodeFileSystem });
  reader.readFile(entry, null);
  return { tokens: reader.tokens, errors: reader.diags.errors, warnings: reader.diags.warnings };
}
