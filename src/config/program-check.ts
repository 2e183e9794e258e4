// Checks that programs named in the config exist and are executable, and, with enable_script_security, that
// no one but root could have replaced them (the file or a directory above it writable by group or others).
// File status comes through `stat` so tests can describe any file system.

import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Problems } from "./config-error.ts";
import type { PathSegment } from "./key-path.ts";
import type { Command } from "./schema.ts";

export interface FileInfo {
  /** st_mode: type and permission bits. */
  mode: number;
  uid: number;
}

export type StatFn = (path: string) => FileInfo | null;

export function systemStat(path: string): FileInfo | null {
  try {
    const s = statSync(path);
    return { mode: s.mode, uid: s.uid };
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
  /** Directories searched for a program named without a slash, like PATH. */
  searchPath: string;
  security: boolean;
}

export function checkProgram(problems: Problems, at: PathSegment[], command: Command, options: ProgramCheckOptions): void {
  const program = command.argv[0];
  if (program === undefined) return;
  const resolved = resolveProgram(program, options);
  if (resolved === null) {
    problems.error(
      at,
      program.includes("/") ? `program ${program} does not exist` : `program ${program} is not found in ${options.searchPath}`,
    );
    return;
  }
  const info = options.stat(resolved)!;
  if ((info.mode & S_IFMT) !== S_IFREG) {
    problems.error(at, `program ${resolved} is not a regular file`);
    return;
  }
  if ((info.mode & EXECUTABLE) === 0) {
    problems.error(at, `program ${resolved} is not executable (mode ${octal(info.mode)})`);
  }
  if (options.security) checkSecurity(problems, at, resolved, info, options.stat);
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

function checkSecurity(problems: Problems, at: PathSegment[], file: string, info: FileInfo, stat: StatFn): void {
  const why = "refused because global.enable_script_security = true";
  if ((info.mode & WRITABLE_BY_GROUP_OR_OTHERS) !== 0) {
    problems.error(at, `program ${file} is writable by group or others (mode ${octal(info.mode)}); ${why}`);
    return;
  }
  if (info.uid !== 0) {
    problems.error(at, `program ${file} is owned by uid ${info.uid}, not root; ${why}`);
    return;
  }
  // Whoever can write a directory above it can replace the file, unless the sticky bit stops them.
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const d = stat(dir);
    if (d && (d.mode & S_IFMT) === S_IFDIR) {
      const writable = (d.mode & WRITABLE_BY_GROUP_OR_OTHERS) !== 0 && (d.mode & S_ISVTX) === 0;
      if (writable || d.uid !== 0) {
        const what = writable ? `writable by group or others (mode ${octal(d.mode)})` : `owned by uid ${d.uid}, not root`;
        problems.error(at, `program ${file} is in directory ${dir}, ${what}; ${why}`);
        return;
      }
    }
    if (dir === "/" || dir === ".") return;
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}
