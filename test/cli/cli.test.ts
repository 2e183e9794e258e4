// The compiled executable, as a user runs it: built here from build.ts so the test proves the build too.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };

const root = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "vipd-cli-"));
const binary = join(dir, "vipd");

// Without the variables that make citty plain by itself, so the test proves vipd's own choice.
const env: Record<string, string | undefined> = { ...process.env };
for (const name of ["NO_COLOR", "CI", "TEST", "TERM"]) delete env[name];

function run(...args: string[]) {
  const result = Bun.spawnSync([binary, ...args], { stdout: "pipe", stderr: "pipe", env });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

beforeAll(() => {
  const build = Bun.spawnSync([process.execPath, join(root, "build.ts"), "--outfile", binary], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build.ts failed: ${build.stderr.toString()}`);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("build.ts produces one executable", () => {
  expect(statSync(binary).mode & 0o111).not.toBe(0);
});

test("--version prints the package version", () => {
  const { code, stdout } = run("--version");
  expect(code).toBe(0);
  expect(stdout.trim()).toBe(packageJson.version);
});

test("--help lists every subcommand, in plain text when not on a terminal", () => {
  const { code, stdout } = run("--help");
  expect(code).toBe(0);
  for (const sub of ["run", "check", "convert", "status", "lab"]) expect(stdout).toContain(sub);
  expect(stdout).not.toContain("\u001b[");
});

for (const sub of ["run", "check", "convert", "status", "lab"]) {
  test(`vipd ${sub} says it is not implemented yet and fails`, () => {
    const { code, stderr } = run(sub);
    expect(code).toBe(2);
    expect(stderr).toContain(`vipd ${sub}: not implemented yet`);
  });
}

test("an unknown subcommand fails", () => {
  expect(run("frobnicate").code).not.toBe(0);
});
