// The compiled executable, as a user runs it: built here from build.ts so the test proves the build too.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
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

test("an unknown subcommand fails", () => {
  expect(run("frobnicate").code).not.toBe(0);
});

test("vipd check accepts the documented example", () => {
  const { code, stdout } = run("check", "--config", join(root, "config.toml.example"), "--skip-programs");
  expect(code).toBe(0);
  expect(stdout).toContain("config.toml.example: valid (2 instances, 1 sync group");
});

test("vipd check reports every problem as FILE:LINE: key.path: message and fails", () => {
  const file = join(dir, "broken.toml");
  writeFileSync(
    file,
    [
      "[instances.VI_1]",
      'interface = "eth0"',
      "virtual_router_id = 300",
      "priorty = 100",
      'virtual_ipaddress = ["192.0.2.10/24"]',
      "",
    ].join("\n"),
  );
  const { code, stderr } = run("check", "--config", file);
  expect(code).toBe(1);
  const lines = stderr.trim().split("\n");
  expect(lines).toContain(`${file}:3: instances.VI_1.virtual_router_id: must be an integer from 1 to 255, got 300`);
  expect(lines.some((l) => l.startsWith(`${file}:4: instances.VI_1.priorty: unknown key`) && l.includes('did you mean "priority"?'))).toBe(
    true,
  );
  expect(lines.at(-1)).toBe(`${file}: 2 problems`);
});

test("vipd check on a missing file says so", () => {
  const { code, stderr } = run("check", "--config", join(dir, "nope.toml"));
  expect(code).toBe(1);
  expect(stderr).toContain("nope.toml: cannot read the file (ENOENT)");
});
