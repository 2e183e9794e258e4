// Shell-style glob matching (`*`, `?`, `[...]`, `{a,b}`) over any directory lister, so the real
// filesystem and in-memory test filesystems match identically (libc glob(3) semantics: a leading
// dot must be matched explicitly, each brace alternative is sorted on its own).
import { join, normalize } from "node:path";

export interface DirLister {
  /** Entry names of a directory, or null when it is not a readable directory. */
  list(dir: string): string[] | null;
  exists(path: string): boolean;
}

export function hasMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Expands csh-style braces: `a{b,c{d,e}}f` → abf, acdf, acef. Unbalanced braces stay literal. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf("{");
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      if (commas.length === 0) break; // `{x}` is literal in glob(3)
      const head = pattern.slice(0, open);
      const tail = pattern.slice(i + 1);
      const cuts = [open, ...commas, i];
      const out: string[] = [];
      for (let k = 0; k + 1 < cuts.length; k++) {
        const alt = pattern.slice(cuts[k]! + 1, cuts[k + 1]);
        out.push(...expandBraces(head + alt + tail));
      }
      return out;
    } else if (c === "," && depth === 1) commas.push(i);
  }
  // No usable brace group here; keep it literal and look further on.
  return expandBraces(pattern.slice(open + 1)).map((rest) => pattern.slice(0, open + 1) + rest);
}

function segmentRegex(segment: string): RegExp {
  let re = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else if (c === "\\" && i + 1 < segment.length) {
      re += escapeRegex(segment[++i]!);
    } else re += escapeRegex(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

// Normalizes `.` and `..` so in-memory listers see the same paths as the kernel would.
function joinPath(dir: string, name: string): string {
  return dir === "" ? normalize(name) : join(dir, name);
}

/** Matches one brace-free pattern; results are paths joined onto `cwd` when relative. */
function globOne(pattern: string, cwd: string, fs: DirLister): string[] {
  const absolute = pattern.startsWith("/");
  const segments = pattern.split("/").filter((s) => s !== "");
  let found = [absolute ? "/" : cwd];
  for (const segment of segments) {
    const next: string[] = [];
    for (const dir of found) {
      if (!hasMagic(segment)) {
        next.push(joinPath(dir, segment));
        continue;
      }
      const re = segmentRegex(segment);
      const names = fs.list(dir) ?? [];
      for (const name of names) {
        if (name.startsWith(".") && !segment.startsWith(".")) continue;
        if (re.test(name)) next.push(joinPath(dir, name));
      }
    }
    found = next;
  }
  return found.filter((p) => fs.exists(p)).sort();
}

export function globPaths(pattern: string, cwd: string, fs: DirLister): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const alt of expandBraces(pattern)) {
    for (const p of globOne(alt, cwd, fs)) {
      if (!seen.has(p)) {
        seen.add(p);
        out.push(p);
      }
    }
  }
  return out;
}
