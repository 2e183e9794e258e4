// `vipd convert` end to end through src/cli/entry.ts: exit codes, stdout/stderr split, -o, -i.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigText } from "../../src/config/load.ts";
import { configIdsOf } from "../../src/cli/convert.ts";

const ENTRY = join(import.meta.dir, "..", "..", "src", "cli", "entry.ts");
const dir = mkdtempSync(join(tmpdir(), "vipd-convert-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function vipd(...args: string[]) {
  const r = Bun.spawnSync([process.execPath, ENTRY, "convert", ...args], { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const CLEAN = `vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  virtual_ipaddress {
    192.0.2.10/24
  }
}
`;
const LOSSY = CLEAN.replace("  priority 150\n", "  priority 150\n  use_ipvlan\n");

describe("vipd convert", () => {
  test("clean input: TOML on stdout, nothing on stderr, exit 0", () => {
    const r = vipd(file("clean.conf", CLEAN));
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const loaded = loadConfigText(r.stdout, "out.toml", { checkPrograms: false });
    expect(loaded.ok).toBe(true);
  });

  test("lossy input without --allow-partial: warning on stderr, TOML still written, exit 1", () => {
    const path = file("lossy.conf", LOSSY);
    const r = vipd(path);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[instances.VI_1]");
    expect(r.stdout).toContain("# keepalived line 6: use_ipvlan: not supported by vipd");
    expect(r.stderr.split("\n")[0]).toBe(`${path}:6: use_ipvlan: not supported by vipd (moved the VIPs to an ipvlan interface)`);
    expect(r.stderr).toContain("re-run with --allow-partial");
  });

  test("lossy input with --allow-partial: exit 0", () => {
    const r = vipd(file("lossy2.conf", LOSSY), "--allow-partial");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("use_ipvlan: not supported by vipd");
    expect(r.stdout).toContain("[instances.VI_1]");
  });

  test("-o writes the file and nothing to stdout", () => {
    const out = join(dir, "out.toml");
    const r = vipd(file("clean2.conf", CLEAN), "-o", out);
    expect([r.code, r.stdout]).toEqual([0, ""]);
    expect(readFileSync(out, "utf8")).toContain('state = "MASTER"');
  });

  const broken: [string, string, string][] = [
    ["unbalanced braces", "vrrp_instance VI_1 {\n  interface eth0\n", ":1: unbalanced '{': missing '}' before end of input"],
    ["an unknown top-level block", "vrrp_instanse VI_1 {\n}\n", ":1: unknown top-level block 'vrrp_instanse'"],
    ["a bad number", CLEAN.replace("priority 150", "priority abc"), ":5: priority: invalid number 'abc' (an integer from 1 to 255)"],
  ];
  for (const [what, text, message] of broken) {
    test(`broken input (${what}): FILE:LINE: error, no TOML, no -o file, exit 2`, () => {
      const path = file(`broken-${what.replaceAll(" ", "-")}.conf`, text);
      const out = join(dir, `broken-${what.replaceAll(" ", "-")}.toml`);
      const r = vipd(path, "-o", out);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n")[0]).toBe(`${path}${message}`);
      expect(existsSync(out)).toBe(false);
    });
  }

  test("a missing file is an error, exit 2", () => {
    const r = vipd(join(dir, "nope.conf"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read");
  });

  test("-i selects @id lines, repeatable", () => {
    const text = CLEAN.replace("  priority 150\n", "@a  priority 170\n@b  priority 85\n");
    const r = vipd(file("ids.conf", text), "-i", "b");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("priority = 85");
    expect(configIdsOf(["f", "-i", "a", "--config-id", "b", "--config-id=c,d", "-ie"])).toEqual(["a", "b", "c", "d", "e"]);
  });
});
