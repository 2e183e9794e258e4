// The man pages and the bash completion are generated from the command tree and config.toml.example: every
// option, default, example and key must be in them, and the completion must complete in a real bash.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bashCompletion } from "../../src/cli/docs/bash-completion.ts";
import { describeCommand } from "../../src/cli/docs/command-docs.ts";
import { configManPage } from "../../src/cli/docs/man-config.ts";
import { optionSynopsis, vipdManPage } from "../../src/cli/docs/man-vipd.ts";
import { main } from "../../src/cli/main.ts";

const ROOT = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "vipd-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tree = await describeCommand(main);
const example = readFileSync(join(ROOT, "config.toml.example"), "utf8");

/** The page as man shows it (plain text, no hyphenation at the line ends). */
function render(page: string): { text: string; warnings: string } {
  const file = join(dir, "page");
  writeFileSync(file, page);
  const r = Bun.spawnSync(["man", "--warnings", "-l", file], {
    env: { ...process.env, MANWIDTH: "200", MANPAGER: "cat" },
    timeout: 20_000,
  });
  if (r.exitCode !== 0) throw new Error(`man -l failed (${r.exitCode}): ${r.stderr.toString()} (apt-get install man-db groff-base)`);
  return { text: r.stdout.toString(), warnings: r.stderr.toString() };
}

test("the command tree holds every command with its options", () => {
  expect(tree.subcommands.map((c) => c.name)).toEqual(["run", "check", "convert", "status", "handover", "genhash", "lab", "help"]);
  const check = tree.subcommands.find((c) => c.name === "check")!;
  expect(check.options.map(optionSynopsis)).toEqual(["[FILE]", "-c, --config CONFIG", "--offline", "--skip-programs"]);
  expect(check.options[1]!.default).toBe("/etc/vipd/config.toml");
});

test("vipd(8) documents every command, option, default and example, without a groff warning", () => {
  const { text, warnings } = render(vipdManPage(tree, "9.9.9"));
  expect(warnings).toBe("");
  expect(text).toContain("vipd 9.9.9");
  for (const command of tree.subcommands) {
    expect(text).toContain(`vipd ${command.name}`);
    for (const option of command.options) {
      expect(text).toContain(optionSynopsis(option));
      if (typeof option.default === "string") expect(text).toContain(`Default: ${option.default}.`);
    }
    for (const e of command.examples) expect(text).toContain(e.command);
  }
});

test("vipd.toml(5) holds every key of config.toml.example with its comment, without a groff warning", () => {
  const { text, warnings } = render(configManPage(example, "9.9.9"));
  expect(warnings).toBe("");
  const keys = new Set<string>();
  for (const line of example.split("\n")) {
    const m = /^(?:#\s*)?([a-z][a-z0-9_]*)\s*=/.exec(line.trim());
    if (m) keys.add(m[1]!);
  }
  expect(keys.size).toBeGreaterThan(60);
  for (const key of keys) expect({ key, found: text.includes(`${key} = `) }).toEqual({ key, found: true });
  for (const section of ["[global]", "[instances.NAME]", "[scripts.NAME]", "[track_files.NAME]", "[sync_groups.NAME]"]) {
    expect(text).toContain(section);
  }
  expect(text).toContain("1..255, the same on all routers of this virtual router");
});

function complete(words: string[]): string[] {
  const script = join(dir, "completion.bash");
  writeFileSync(script, bashCompletion(tree));
  const line = words.map((w) => `'${w}'`).join(" ");
  const r = Bun.spawnSync(
    [
      "bash",
      "-c",
      `source ${script}; cd ${dir}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _vipd; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { timeout: 10_000 },
  );
  if (r.exitCode !== 0) throw new Error(`bash failed: ${r.stderr.toString()}`);
  return r.stdout
    .toString()
    .split("\n")
    .filter((l) => l !== "");
}

test("the bash completion completes commands, options, enum values and files", () => {
  writeFileSync(join(dir, "lb.toml"), "");
  expect(complete(["vipd", "c"])).toEqual(["check", "convert"]);
  expect(complete(["vipd", "check", "--s"])).toEqual(["--skip-programs"]);
  expect(complete(["vipd", "run", "--log-format", ""])).toEqual(["text", "json"]);
  expect(complete(["vipd", "run", "--config", "lb"])).toEqual(["lb.toml"]);
  expect(complete(["vipd", "check", "lb"])).toEqual(["lb.toml"]);
  expect(complete(["vipd", "help", "st"])).toEqual(["status"]);
  expect(complete(["vipd", "lab", "--peer", ""])).toEqual([]);
});
