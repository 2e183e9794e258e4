// File access for the reader and the `include` directive: which files a pattern names, in which order,
// and how strict each include variant is about missing or unreadable files.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { globPaths, hasMagic, expandBraces } from "./glob.ts";

/** Injectable so tests can read from memory. */
export interface FileSystem {
  /** Throws when the file cannot be read. */
  readFile(path: string): string;
  /** Existing paths matching a glob pattern; relative patterns are joined onto `cwd`. */
  glob(pattern: string, cwd: string): string[];
}

export const nodeFileSystem: FileSystem = {
  readFile: (path) => readFileSync(path, "utf8"),
  glob: (pattern, cwd) =>
    globPaths(pattern, cwd, {
      list(dir) {
        try {
          return readdirSync(dir === "" ? "." : dir);
        } catch {
          return null;
        }
      },
      exists(path) {
        try {
          statSync(path);
          return true;
        } catch {
          return false;
        }
      },
    }),
};

/**
 * keepalived's include variants. Plain `include` only warns (kept lenient for backward
 * compatibility); the others turn the matching failures they check for into errors.
 */
export interface IncludeChecks {
  readable: boolean;
  match: boolean;
  wildcardMatch: boolean;
}

const INCLUDE_VARIANTS: Record<string, IncludeChecks> = {
  include: { readable: false, match: false, wildcardMatch: false },
  includer: { readable: true, match: false, wildcardMatch: false },
  includem: { readable: true, match: true, wildcardMatch: false },
  includew: { readable: true, match: false, wildcardMatch: true },
  includeb: { readable: true, match: false, wildcardMatch: true },
  includea: { readable: true, match: true, wildcardMatch: true },
  includet: { readable: true, match: true, wildcardMatch: true },
};

export interface IncludeDirective {
  keyword: string;
  /** The rest of the line, surrounding double quotes removed. */
  pattern: string;
  checks: IncludeChecks;
}

export function parseInclude(line: string): IncludeDirective | null {
  const m = /^\s*(include[a-z]?)(?:\s+(.*))?$/.exec(line);
  const checks = m ? INCLUDE_VARIANTS[m[1]!] : undefined;
  if (!m || !checks) return null;
  const rest = (m[2] ?? "").trim();
  const pattern = rest.length >= 2 && rest.startsWith('"') && rest.endsWith('"') ? rest.slice(1, -1) : rest;
  return { keyword: m[1]!, pattern, checks };
}

/** The directory relative includes of `file` resolve against (keepalived changes into it). */
export function includeDir(file: string): string {
  const dir = dirname(file);
  return dir === "." && !file.startsWith("./") ? "" : dir;
}

export interface IncludeResolution {
  paths: string[];
  /** Set when nothing matched; the caller decides whether that is a warning or an error. */
  unmatched?: { wildcard: boolean };
}

export function resolveInclude(pattern: string, fromFile: string, fs: FileSystem): IncludeResolution {
  const paths = fs.glob(pattern, includeDir(fromFile));
  if (paths.length > 0) return { paths };
  const wildcard = expandBraces(pattern).length > 1 || hasMagic(pattern);
  return { paths, unmatched: { wildcard } };
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
