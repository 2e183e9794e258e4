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
  // --offline: the example names interfaces and programs of an imaginary host.
  const { code, stdout } = run("check", "--config", join(root, "config.toml.example"), "--offline");
  expect(code).toBe(0);
  expect(stdout).toContain("config.toml.example: valid (2 instances, 1 sync group, 1 script, 2 virtual servers)");
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

test("vipd check checks the file against this host as vipd run would: interfaces, addresses, users; --offline does not", () => {
  const file = join(dir, "host.toml");
  writeFileSync(
    file,
    [
      "[global]",
      'script_user = "vipd-no-such-user"',
      "[instances.VI_1]",
      'interface = "vipdnosuch0"',
      "virtual_router_id = 51",
      'virtual_ipaddress = ["192.0.2.10/24"]',
      "[instances.VI_2]",
      'interface = "lo"',
      "virtual_router_id = 52",
      'virtual_ipaddress = ["192.0.2.11/24"]',
      "",
    ].join("\n"),
  );
  const online = run("check", file);
  expect(online.code).toBe(1);
  expect(online.stderr).toContain(`${file}: instance VI_1: interface vipdnosuch0 does not exist`);
  // lo's only IPv4 address has host scope: it can never send an advert.
  expect(online.stderr).toContain(`${file}: instance VI_2: interface lo has no IPv4 address to send adverts from`);
  expect(online.stderr).toContain(`${file}: global.script_user: no user vipd-no-such-user`);
  const lines = online.stderr.trim().split("\n");
  expect(new Set(lines).size).toBe(lines.length);
  const offline = run("check", "--offline", file);
  expect(offline.code).toBe(0);
  expect(offline.stdout).toStartWith(`${file}: valid (2 instances`);
});

test("vipd check fits each advert to its interface's MTU: the host's when checked against it, 1500 offline", () => {
  const file = join(dir, "mtu.toml");
  const vips = Array.from({ length: 100 }, (_, i) => `"2001:db8::${(i + 1).toString(16)}"`).join(", ");
  writeFileSync(file, `[instances.V6]\ninterface = "lo"\nvirtual_router_id = 51\nunicast_src_ip = "::1"\nvirtual_ipaddress = [${vips}]\n`);
  // lo's MTU (65536) carries 100 IPv6 addresses in one advert.
  const online = run("check", file);
  expect(online.stderr).toBe("");
  expect(online.code).toBe(0);
  const offline = run("check", "--offline", file);
  expect(offline.code).toBe(0);
  expect(offline.stderr).toContain(
    `warning: ${file}:5: instances.V6.virtual_ipaddress: instance V6: 100 addresses do not fit one unfragmented advert on lo ` +
      "(MTU unknown, 1500 assumed: at most 89); the last 11 are moved to virtual_ipaddress_excluded",
  );
});

test("vipd check on a missing file says so", () => {
  const { code, stderr } = run("check", "--config", join(dir, "nope.toml"));
  expect(code).toBe(1);
  expect(stderr).toContain("nope.toml: cannot read the file (ENOENT)");
});

test("an unknown option is a usage error (exit 2) with the nearest spelling, before anything runs", () => {
  const slip = run("check", "-f", join(root, "config.toml.example"));
  expect(slip.code).toBe(2);
  expect(slip.stderr).toBe("vipd check: unknown option -f (did you mean -c?)\nRun 'vipd check --help' for its options and examples.\n");
  expect(slip.stdout).toBe("");
  const typo = run("check", "--skip-program", join(root, "config.toml.example"));
  expect(typo.code).toBe(2);
  expect(typo.stderr).toStartWith("vipd check: unknown option --skip-program (did you mean --skip-programs?)");
  const format = run("run", "--log-format", "xml");
  expect(format.code).toBe(2);
  expect(format.stderr).toStartWith("vipd run: --log-format must be text or json, got xml");
  const convert = run("convert");
  expect(convert.code).toBe(2);
  expect(convert.stderr).toStartWith("vipd convert: missing argument FILE");
  expect(run("status", "--sock", "/nonexistent").stderr).toStartWith("vipd status: unknown option --sock (did you mean --socket?)");
});

test("a stray argument is a usage error; check and run take the file positionally", () => {
  const example = join(root, "config.toml.example");
  const positional = run("check", "--offline", example);
  expect(positional.code).toBe(0);
  expect(positional.stdout).toStartWith(`${example}: valid`);
  const missing = run("check", join(dir, "other.toml"));
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("other.toml: cannot read the file (ENOENT)");
  const two = run("check", example, join(dir, "other.toml"));
  expect(two.code).toBe(2);
  expect(two.stderr).toStartWith(`vipd check: unexpected argument ${join(dir, "other.toml")}`);
  const both = run("check", example, "--config", join(dir, "other.toml"));
  expect(both.code).toBe(2);
  expect(both.stderr).toStartWith(`vipd check: two configuration files given: ${example} and --config ${join(dir, "other.toml")}`);
  expect(run("status", "now").stderr).toStartWith("vipd status: unexpected argument now (it takes no arguments)");
  const runTwo = run("run", example, "extra");
  expect(runTwo.code).toBe(2);
  expect(runTwo.stderr).toStartWith("vipd run: unexpected argument extra");
});

test("an unknown command names the nearest one; options before the command are refused", () => {
  const typo = run("chek", "x.toml");
  expect(typo.code).toBe(2);
  expect(typo.stderr).toBe("vipd: unknown command chek (did you mean check?)\nRun 'vipd help' for the commands.\n");
  expect(run("--verbose", "run").stderr).toStartWith("vipd: unknown option --verbose before the command");
  expect(run("toString").stderr).toStartWith("vipd: unknown command toString");
});

test("vipd help [CMD] prints what --help prints", () => {
  const top = run("help");
  expect(top.code).toBe(0);
  expect(top.stdout).toBe(run("--help").stdout);
  const sub = run("help", "check");
  expect(sub.code).toBe(0);
  expect(sub.stdout).toBe(run("check", "--help").stdout);
  const typo = run("help", "conver");
  expect(typo.code).toBe(2);
  expect(typo.stderr).toStartWith("vipd help: unknown command conver (did you mean convert?)");
});

test("every --help shows the defaults and two examples", () => {
  for (const command of ["run", "check", "convert", "status", "lab", "help"]) {
    const { code, stdout } = run(command, "--help");
    expect(code).toBe(0);
    const examples = stdout.split("EXAMPLES\n\n")[1]?.trimEnd().split("\n") ?? [];
    expect({ command, examples: examples.length }).toEqual({ command, examples: 2 });
    for (const line of examples) expect(line).toMatch(new RegExp(`^  (sudo )?vipd ${command === "help" ? "help" : command}.* # \\w`));
    if (command !== "help") expect(stdout).toContain("(Default: ");
    expect(stdout).not.toMatch(/[ \t]$/m);
  }
  expect(run("check", "--help").stdout).toContain("(Default: /etc/vipd/config.toml)");
  expect(run("run", "--help").stdout).toContain("--log-format=<text|json>");
});

test("a TOML syntax error says line, column and what to write", () => {
  const file = join(dir, "unquoted.toml");
  writeFileSync(file, "[instances.VI_1]\ninterface = eth0\n");
  const { code, stderr } = run("check", file);
  expect(code).toBe(1);
  expect(stderr).toContain(`${file}:2:13: TOML syntax error: eth0 is not a TOML value: text must be quoted, write interface = "eth0"`);
});
