// The protocol core must stay pure (ARCHITECTURE §1): no clock, no timers, no I/O, no imports from outside it.
// And only src/adapters may import ffi/, only ffi/ may import bun:ffi.

import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..", "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [
    ...text.matchAll(
      /(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

test("src/vrrp imports only src/vrrp", () => {
  const files = sourceFiles(join(root, "src", "vrrp"));
  expect(files.length).toBeGreaterThan(5);
  for (const file of files) {
    for (const spec of imports(file)) {
      expect({ file: relative(root, file), spec, ok: spec.startsWith("./") && !spec.includes("..") }).toMatchObject({ ok: true });
    }
  }
});

test("src/vrrp never touches clocks, timers, processes or globals of the runtime", () => {
  const forbidden =
    /\b(Date\.now|new Date|performance\.now|setTimeout|setInterval|setImmediate|queueMicrotask|process\.|Bun\.|require\(|globalThis|Math\.random)\b/;
  for (const file of sourceFiles(join(root, "src", "vrrp"))) {
    const code = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => !line.trim().startsWith("//") && !line.trim().startsWith("*"))
      .join("\n");
    const hit = code.match(forbidden);
    expect({ file: relative(root, file), hit: hit?.[0] ?? null }).toEqual({ file: relative(root, file), hit: null });
  }
});

test("only ffi/ imports bun:ffi, and only src/adapters imports ffi/", () => {
  const all = [
    ...sourceFiles(join(root, "src")),
    ...sourceFiles(join(root, "ffi")),
    ...sourceFiles(join(root, "test")).filter((f) => !f.endsWith("purity.test.ts")),
  ];
  for (const file of all) {
    const rel = relative(root, file);
    for (const spec of imports(file)) {
      if (spec === "bun:ffi") expect({ rel, spec, ok: rel.startsWith("ffi/") || rel.startsWith("test/ffi/") }).toMatchObject({ ok: true });
      if (/(^|\/)ffi\//.test(spec) && rel.startsWith("src/")) {
        expect({ rel, spec, ok: rel.startsWith("src/adapters/") }).toMatchObject({ ok: true });
      }
    }
  }
});
