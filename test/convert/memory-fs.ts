// In-memory FileSystem for reader tests: paths are absolute, directories are implied by file paths.
import { globPaths } from "../../src/convert/glob.ts";
import type { FileSystem } from "../../src/convert/source.ts";

export function memoryFs(files: Record<string, string>): FileSystem {
  const dirs = new Map<string, Set<string>>();
  for (const path of Object.keys(files)) {
    const parts = path.split("/");
    for (let k = 1; k < parts.length; k++) {
      const dir = parts.slice(0, k).join("/") || "/";
      if (!dirs.has(dir)) dirs.set(dir, new Set());
      dirs.get(dir)!.add(parts[k]!);
    }
  }
  const normalize = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  return {
    readFile(path) {
      const text = files[path];
      if (text === undefined) throw new Error("no such file");
      return text;
    },
    glob: (pattern, cwd) =>
      globPaths(pattern, cwd, {
        list: (dir) => [...(dirs.get(normalize(dir)) ?? [])],
        exists: (path) => files[path] !== undefined || dirs.has(normalize(path)),
      }),
  };
}
