// The split `npm run test:unit` relies on: a test that needs root is named `*.root.test.ts`, so the fast loop (run
// as any user) never meets it, and every root-only test stays strict (it fails loudly without root).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const testRoot = import.meta.dir;
const thisFile = "test-split.test.ts";
const testFiles = [...new Bun.Glob("**/*.test.ts").scanSync({ cwd: testRoot, onlyFiles: true })].sort();

/** What makes a test need root: anything from test/netns (labs, daemons), `ip netns`, or a check for uid 0. */
const NEEDS_ROOT = [/from "\.\.\/netns\//, /"ip", "netns"/, /process\.getuid\?\.\(\)/];

test("the test tree was found", () => {
  expect(testFiles.length).toBeGreaterThan(40);
  expect(testFiles.filter((f) => f.endsWith(".root.test.ts")).length).toBeGreaterThan(10);
});

test("every test that needs root, and nothing else, is named *.root.test.ts", () => {
  const misnamed: string[] = [];
  for (const file of testFiles) {
    if (file === thisFile) continue; // its patterns would match themselves
    const text = readFileSync(join(testRoot, file), "utf8");
    const needsRoot = file.startsWith("netns/") || NEEDS_ROOT.some((pattern) => pattern.test(text));
    if (needsRoot !== file.endsWith(".root.test.ts")) misnamed.push(`${file} (${needsRoot ? "needs root" : "runs as any user"})`);
  }
  expect(misnamed).toEqual([]);
});

test("test:unit leaves out exactly the *.root.test.ts files", () => {
  const scripts = (JSON.parse(readFileSync(join(testRoot, "..", "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  expect(scripts["test:unit"]).toBe("bun test --path-ignore-patterns='**/*.root.test.ts'");
  expect(scripts.test).toEndWith("&& bun test");
});
