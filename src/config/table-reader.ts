// Typed reads of one TOML table. Each getter reports a wrong type or range at the key's own path and returns
// the default, so validation goes on and the user sees every problem in one run.

import type { Problems } from "./config-error.ts";
import type { PathSegment } from "./key-path.ts";
import { didYouMean } from "./suggest.ts";

export type TomlTable = Record<string, unknown>;

export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** How a value looks in a message: `string "yes"`, `3.5`, `a table`. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  if (isTable(value)) return "a table";
  return String(value);
}

function rangeText(min: number, max: number): string {
  return `from ${min} to ${max}`;
}

/**
 * The allowed keys of a kind of table as a set, made once per list: a large file has ten thousand real servers,
 * each read against the same list.
 */
const allowedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function allowedSet(allowed: readonly string[]): ReadonlySet<string> {
  let set = allowedSets.get(allowed);
  if (set === undefined) {
    set = new Set(allowed);
    allowedSets.set(allowed, set);
  }
  return set;
}

export class TableReader {
  /** The keys written in the table, in the file's order. */
  readonly keys: readonly string[];

  constructor(
    readonly problems: Problems,
    readonly path: readonly PathSegment[],
    readonly table: TomlTable,
    allowed: readonly string[],
  ) {
    this.keys = Object.keys(table);
    const known = allowedSet(allowed);
    for (const key of this.keys) {
      if (known.has(key)) continue;
      const sorted = [...allowed].sort().join(", ");
      problems.error([...path, key], `unknown key${didYouMean(key, allowed)}; allowed here: ${sorted}`);
    }
  }

  /** Whether any of `names` is written (lets a reader skip a group of optional keys none of which is there). */
  hasAnyOf(names: ReadonlySet<string>): boolean {
    for (const key of this.keys) if (names.has(key)) return true;
    return false;
  }

  at(key: string | number): PathSegment[] {
    return [...this.path, key];
  }

  has(key: string): boolean {
    return this.table[key] !== undefined;
  }

  missing(key: string, what: string): void {
    this.problems.error(this.at(key), `missing; required: ${what}`);
  }

  private wrongType(key: string, expected: string): void {
    this.problems.error(this.at(key), `must be ${expected}, got ${describeValue(this.table[key])}`);
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.table[key];
    if (value === undefined) return fallback;
    if (typeof value === "boolean") return value;
    this.wrongType(key, "true or false");
    return fallback;
  }

  optString(key: string, what = "a string"): string | null {
    const value = this.table[key];
    if (value === undefined) return null;
    if (typeof value === "string" && value.trim() !== "") return value;
    this.wrongType(key, `a non-empty ${what.replace(/^an? /, "")}`);
    return null;
  }

  requiredString(key: string, what = "a string"): string | null {
    if (!this.has(key)) {
      this.missing(key, what);
      return null;
    }
    return this.optString(key, what);
  }

  /** An integer in [min, max]; `what` overrides the wording of the allowed values. */
  int(key: string, min: number, max: number, fallback: number, what?: string): number {
    const value = this.table[key];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.wrongType(key, what ?? `an integer ${rangeText(min, max)}`);
      return fallback;
    }
    return value;
  }

  optInt(key: string, min: number, max: number, what?: string): number | null {
    if (!this.has(key)) return null;
    const value = this.int(key, min, max, Number.NaN, what);
    return Number.isNaN(value) ? null : value;
  }

  /** Seconds, possibly fractional, in [min, max], returned in milliseconds (rounded to whole ms). */
  seconds(key: string, min: number, max: number, fallbackMs: number): number {
    const value = this.table[key];
    if (value === undefined) return fallbackMs;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
      this.wrongType(key, `a number of seconds ${rangeText(min, max)}`);
      return fallbackMs;
    }
    return Math.round(value * 1000);
  }

  optSeconds(key: string, min: number, max: number): number | null {
    if (!this.has(key)) return null;
    const value = this.seconds(key, min, max, Number.NaN);
    return Number.isNaN(value) ? null : value;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.table[key];
    if (value === undefined) return fallback;
    if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
    const hint = typeof value === "string" ? didYouMean(value, choices) : "";
    this.problems.error(
      this.at(key),
      `must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${describeValue(value)}${hint}`,
    );
    return fallback;
  }

  /** A list (possibly empty); anything else is reported and read as empty. */
  list(key: string, what: string): unknown[] {
    const value = this.table[key];
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    this.wrongType(key, `a list of ${what}`);
    return [];
  }

  stringList(key: string, what = "strings"): { value: string; path: PathSegment[] }[] {
    const out: { value: string; path: PathSegment[] }[] = [];
    this.list(key, what).forEach((item, i) => {
      if (typeof item === "string" && item.trim() !== "") out.push({ value: item.trim(), path: [...this.path, key, i] });
      else this.problems.error([...this.path, key, i], `must be a non-empty string, got ${describeValue(item)}`);
    });
    return out;
  }

  optTable(key: string, what: string): TomlTable | null {
    const value = this.table[key];
    if (value === undefined) return null;
    if (isTable(value)) return value;
    this.wrongType(key, what);
    return null;
  }
}
