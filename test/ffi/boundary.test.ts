// The ffi boundary: only ffi/ imports bun:ffi, and the public surface (ffi/index.ts) exposes typed wrappers, never
// the raw dlopen symbol table, so every libc call goes through a result check.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as publicSurface from "../../ffi/index.ts";

const ROOT = join(import.meta.dir, "../..");

test("only ffi/ imports bun:ffi", () => {
  const offenders: string[] = [];
  for (const dir of ["src", "test", "bench"]) {
    for (const file of new Bun.Glob("**/*.ts").scanSync({ cwd: join(ROOT, dir), onlyFiles: true })) {
      const text = readFileSync(join(ROOT, dir, file), "utf8");
      if (/from\s+["']bun:ffi["']|import\(\s*["']bun:ffi["']\s*\)|require\(\s*["']bun:ffi["']\s*\)/.test(text)) {
        offenders.push(`${dir}/${file}`);
      }
    }
  }
  expect(offenders).toEqual([]);
});

test("ffi/index.ts exports no raw symbols", () => {
  const names = Object.keys(publicSurface);
  for (const raw of ["libc", "lastErrno", "lastError", "addressOf", "socket", "sendto", "recvmsg", "__errno_location"]) {
    expect(names).not.toContain(raw);
  }
  // Every exported function is one of ours (typed, checked), not a dlopen symbol.
  for (const [name, value] of Object.entries(publicSurface)) {
    if (typeof value === "function") expect(String(value)).not.toContain("[native code]");
    expect(name).not.toBe("symbols");
  }
});
