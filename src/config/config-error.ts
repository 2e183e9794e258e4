// Typed config problems. Every one names the file, the line and the key path, so a user can go straight there.

import type { KeyLines } from "./key-lines.ts";
import { formatKeyPath, type PathSegment } from "./key-path.ts";

export interface ConfigError {
  file: string;
  /** 1-based; 0 when the problem is with the file as a whole (it cannot be read). */
  line: number;
  /** 1-based, when known (TOML syntax errors). */
  column?: number;
  /** e.g. `instances.VI_1.priority`; empty for a TOML syntax error. */
  keyPath: string;
  message: string;
}

/** Warnings have the same shape: something was accepted but changed or ignored. */
export type ConfigWarning = ConfigError;

/** Where a key was written, kept for a warning that can only be given later (against the host). */
export type ConfigPlace = Omit<ConfigError, "message">;

/** `FILE:LINE: key.path: what is wrong and what is allowed` (`FILE:LINE:COLUMN:` when the column is known) */
export function formatConfigError(e: ConfigError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}${e.column === undefined ? "" : `:${e.column}`}` : e.file;
  return e.keyPath === "" ? `${where}: ${e.message}` : `${where}: ${e.keyPath}: ${e.message}`;
}

/** A problem as a validator raised it, before it was placed on a line: raised again when its section is reused. */
export interface RaisedProblem {
  kind: "error" | "warning";
  path: readonly PathSegment[];
  message: string;
}

/** Collects errors and warnings for one file; validators report and go on, so the user sees all at once. */
export class Problems {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];
  private raised: RaisedProblem[] | null = null;

  constructor(
    readonly file: string,
    private readonly lines: KeyLines,
  ) {}

  error(path: readonly PathSegment[], message: string): void {
    this.raised?.push({ kind: "error", path, message });
    this.errors.push(this.at(path, message));
  }

  warn(path: readonly PathSegment[], message: string): void {
    this.raised?.push({ kind: "warning", path, message });
    this.warnings.push(this.at(path, message));
  }

  /** Runs `read` and returns what it raised with its value (one recording at a time). */
  recording<T>(read: () => T): { value: T; raised: RaisedProblem[] } {
    const raised: RaisedProblem[] = [];
    this.raised = raised;
    try {
      return { value: read(), raised };
    } finally {
      this.raised = null;
    }
  }

  /** What a reused section raised when it was read, placed in this file. */
  raise(raised: readonly RaisedProblem[]): void {
    for (const p of raised) (p.kind === "error" ? this.error : this.warn).call(this, p.path, p.message);
  }

  place(path: readonly PathSegment[]): ConfigPlace {
    return { file: this.file, line: this.lines.lineOf(path), keyPath: formatKeyPath(path) };
  }

  private at(path: readonly PathSegment[], message: string): ConfigError {
    return { ...this.place(path), message };
  }
}
