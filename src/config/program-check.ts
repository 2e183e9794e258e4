// Checks that programs named in the config exist and are executable, and, with enable_script_security, that
// no one but root could have replaced them (the file or a directory above it writable by group or others). A
// symbolic link is judged by what it points to (realpath) and by where it lives (whoever can write there can point
// it elsewhere); arguments that are absolute paths to files (`/bin/sh /etc/vipd/check.sh`) are judged like the
// program. File status comes through `stat` and `realpath` so tests can describe any file system.

import { realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Problems } from "./config-error.ts";
import type { PathSegment } from "./key-path.ts";
import type { Command } from "./schema.ts";

export interface FileInfo {
  /** st_mode: type and permission bits. */
  mode: number;
  uid: number;
}

/** stat(2): follows symbolic links; null when the path does not resolve to anything. */
export type StatFn = (path: string) => FileInfo | null;
/** realpath(3): the path without symbolic links, `.` or `..`; null when it does not resolve. */
export type RealpathFn = (path: string) => string | null;

export function systemStat(path: string): FileInfo | null {
  try {
    const s = statSync(path);
    return { mode: s.mode, uid: s.uid };
  } catch {
    return null;
  }
}

export function systemRealpath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_ISVTX = 0o1000;
const WRITABLE_BY_GROUP_OR_OTHERS = 0o022;
const EXECUTABLE = 0o111;

export interface ProgramCheckOptions {
  stat: StatFn;
  realpath: RealpathFn;
  /** Directories searched for a program named without a slash, like PATH. */
  searchPath: string;
  security: boolean;
}

/** A path as the config names it and the file it really is. */
interface ResolvedPath {
  written: string;
  real: string;
  info: FileInfo;
}

const describe = (p: ResolvedPath): string => (p.real === p.written ? p.written : `${p.written} (really ${p.real})`);

export function checkProgram(problems: Problems, at: PathSegment[], command: Command, options: ProgramCheckOptions): void {
  const program = command.argv[0];
  if (program === undefined) return;
  const found = resolveProgram(program, options);
  if (found === null) {
    problems.error(
      at,
      program.includes("/") ? `program ${program} does not exist` : `program ${program} is not found in ${options.searchPath}`,
    );
    return;
  }
  const real = options.realpath(found);
  const info = real === null ? null : options.stat(real);
  if (real === null || info === null) {
    problems.error(at, `program ${found} does not resolve to a file`);
    return;
  }
  const resolved = { written: found, real, info };
  if ((info.mode & S_IFMT) !== S_IFREG) {
    problems.error(at, `program ${describe(resolved)} is not a regular file`);
    return;
  }
  if ((info.mode & EXECUTABLE) === 0) {
    problems.error(at, `program ${describe(resolved)} is not executable (mode ${octal(info.mode)})`);
  }
  if (!options.security) return;
  if (checkSecurity(problems, at, "program", resolved, options.stat)) return;
  // An interpreter is only as safe as the script it reads: `/bin/sh /tmp/x.sh`.
  for (const arg of command.argv.slice(1)) {
    const file = existingFile(arg, options);
    if (file && checkSecurity(problems, at, "argument", file, options.stat)) return;
  }
}

/** An argument that is an absolute path to an existing regular file, resolved; null for anything else. */
function existingFile(arg: string, options: ProgramCheckOptions): ResolvedPath | null {
  if (!arg.startsWith("/")) return null;
  const real = options.realpath(arg);
  const info = real === null ? null : options.stat(real);
  if (real === null || info === null || (info.mode & S_IFMT) !== S_IFREG) return null;
  return { written: arg, real, info };
}

function resolveProgram(program: string, options: ProgramCheckOptions): string | null {
  if (program.includes("/")) return options.stat(program) ? program : null;
  for (const dir of options.searchPath.split(":")) {
    if (dir === "") continue;
    const candidate = join(dir, program);
    if (options.stat(candidate)) return candidate;
  }
  return null;
}

/** Reports the first way someone other than root could replace the file; true when it found one. */
function checkSecurity(problems: Problems, at: PathSegment[], what: string, file: ResolvedPath, stat: StatFn): boolean {
  const why = "refused because global.enable_script_security = true";
  const { info } = file;
  if ((info.mode & WRITABLE_BY_GROUP_OR_OTHERS) !== 0) {
    problems.error(at, `${what} ${describe(file)} is writable by group or others (mode ${octal(info.mode)}); ${why}`);
    return true;
  }
  if (info.uid !== 0) {
    problems.error(at, `${what} ${describe(file)} is owned by uid ${info.uid}, not root; ${why}`);
    return true;
  }
  // Every directory of the real path, and those above a link (whoever can write there can point it elsewhere).
  const dirs = new Set([...directoriesAbove(file.real), ...directoriesAbove(file.written)]);
  for (const dir of dirs) {
    const d = stat(dir);
    if (!d || (d.mode & S_IFMT) !== S_IFDIR) continue;
    // Whoever can write a directory can replace what is in it, unless the sticky bit stops them.
    const writable = (d.mode & WRITABLE_BY_GROUP_OR_OTHERS) !== 0 && (d.mode & S_ISVTX) === 0;
    if (writable || d.uid !== 0) {
      const how = writable ? `writable by group or others (mode ${octal(d.mode)})` : `owned by uid ${d.uid}, not root`;
      problems.error(at, `${what} ${describe(file)} is in directory ${dir}, ${how}; ${why}`);
      return true;
    }
  }
  return false;
}

function directoriesAbove(path: string): string[] {
  const dirs: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (dir === "/" || dir === ".") return dirs;
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}
