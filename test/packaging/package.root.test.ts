// `npm run package` end to end, as root: build the .deb and the tarball, install the package into this machine
// (dpkg -i: a package install, no network change), check what it put where, that both man pages render without a
// groff warning, that the executable runs and systemd accepts the unit, next to an installed keepalived; then
// purge it and check nothing is left. The package is purged also when a check fails.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };

const ROOT = join(import.meta.dir, "..", "..");
const outdir = mkdtempSync(join(tmpdir(), "vipd-package-"));
const version = packageJson.version;
const deb = join(outdir, `vipd_${version}_amd64.deb`);
const tarball = join(outdir, `vipd-${version}-linux-amd64.tar.gz`);

const FILES = [
  "/usr/sbin/vipd",
  "/usr/lib/systemd/system/vipd.service",
  "/usr/share/doc/vipd/config.toml.example",
  "/usr/share/man/man8/vipd.8.gz",
  "/usr/share/man/man5/vipd.toml.5.gz",
  "/usr/share/bash-completion/completions/vipd",
];

function sh(command: string[], timeoutMs = 30_000) {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe", timeout: timeoutMs, env: { ...process.env, MANPAGER: "cat" } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

const installed = (name: string) => sh(["dpkg-query", "-W", "-f=${Status}", name]).stdout === "install ok installed";

let weInstalled = false;
// /etc/vipd comes with the package; one that was there before the test (someone's configuration) stays.
const configDirBefore = existsSync("/etc/vipd");

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error("the package test installs a .deb: run it as root");
  // Never replace or remove a vipd someone installed for real.
  if (installed("vipd")) throw new Error("a vipd package is installed already: the test would replace and then purge it");
  const build = sh([process.execPath, join(ROOT, "packaging", "build-package.ts"), "--outdir", outdir], 90_000);
  if (build.code !== 0) throw new Error(`build-package.ts failed (${build.code}): ${build.stderr}`);
}, 100_000);

afterAll(() => {
  if (weInstalled && installed("vipd")) sh(["dpkg", "--purge", "vipd"]);
  rmSync(outdir, { recursive: true, force: true });
});

test("the .deb declares no package conflict with keepalived, only the unit does", () => {
  const fields = sh(["dpkg-deb", "-f", deb]).stdout;
  expect(fields).toContain(`Version: ${version}`);
  expect(fields).toContain("Architecture: amd64");
  expect(fields).not.toMatch(/^(Conflicts|Breaks|Replaces):/m);
  expect(sh(["tar", "-xzOf", tarball, "usr/lib/systemd/system/vipd.service"]).stdout).toMatch(/^Conflicts=keepalived\.service$/m);
});

test("the tarball holds the same files as the package", () => {
  const inTar = sh(["tar", "-tzf", tarball])
    .stdout.split("\n")
    .filter((l) => l !== "" && (!l.endsWith("/") || l === "etc/vipd/"));
  expect(inTar.map((p) => `/${p}`).sort()).toEqual([...FILES, "/etc/vipd/"].sort());
});

test("dpkg -i installs it next to keepalived; man pages, --version and the unit check out; --purge leaves nothing", () => {
  if (!installed("keepalived")) throw new Error("keepalived is not installed: run scripts/install-deps.sh");
  weInstalled = true;
  const install = sh(["dpkg", "-i", deb]);
  expect(install.stderr).toBe("");
  expect(install.code).toBe(0);
  expect(installed("keepalived")).toBe(true);

  const listed = sh(["dpkg", "-L", "vipd"]).stdout.split("\n");
  for (const file of FILES) expect(listed).toContain(file);
  expect(listed).toContain("/etc/vipd");

  for (const page of ["/usr/share/man/man8/vipd.8.gz", "/usr/share/man/man5/vipd.toml.5.gz"]) {
    const man = sh(["man", "--warnings", "-l", page]);
    expect({ page, code: man.code, warnings: man.stderr }).toEqual({ page, code: 0, warnings: "" });
    expect(man.stdout.length).toBeGreaterThan(2000);
  }
  expect(sh(["man", "--warnings", "-l", "/usr/share/man/man8/vipd.8.gz"]).stdout).toContain("--skip-programs");
  expect(sh(["man", "--warnings", "-l", "/usr/share/man/man5/vipd.toml.5.gz"]).stdout).toContain("virtual_router_id");

  const versionRun = sh(["/usr/sbin/vipd", "--version"]);
  expect(versionRun.code).toBe(0);
  expect(versionRun.stdout.trim()).toBe(version);

  const verify = sh(["systemd-analyze", "verify", "/usr/lib/systemd/system/vipd.service"]);
  expect({ code: verify.code, output: verify.stdout + verify.stderr }).toEqual({ code: 0, output: "" });

  const completion = sh(["bash", "-c", "source /usr/share/bash-completion/completions/vipd && complete -p vipd"]);
  expect(completion.stdout.trim()).toBe("complete -o filenames -F _vipd vipd");

  const purge = sh(["dpkg", "--purge", "vipd"]);
  expect(purge.code).toBe(0);
  expect(installed("vipd")).toBe(false);
  expect(FILES.filter((f) => existsSync(f))).toEqual([]);
  expect(existsSync("/usr/share/doc/vipd")).toBe(false);
  expect(existsSync("/etc/vipd")).toBe(configDirBefore);
  expect(installed("keepalived")).toBe(true);
}, 40_000);
