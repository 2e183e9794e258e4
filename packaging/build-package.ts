// `npm run package [-- --outdir DIR]`: the Debian package dist/vipd_VERSION_ARCH.deb and the tarball dist/vipd-VERSION-linux-ARCH.tar.gz
// from the compiled executable. Both hold the same tree: the executable, the systemd unit, the example
// configuration, the man pages vipd(8) and vipd.toml(5) and the bash completion, the last three generated from
// the command definitions and the example's comments. The package does not conflict with keepalived: the two
// can be installed side by side, and the unit's Conflicts=keepalived.service keeps one of them running.

import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import packageJson from "../package.json" with { type: "json" };
import { bashCompletion } from "../src/cli/docs/bash-completion.ts";
import { describeCommand } from "../src/cli/docs/command-docs.ts";
import { configManPage } from "../src/cli/docs/man-config.ts";
import { vipdManPage } from "../src/cli/docs/man-vipd.ts";
import { main } from "../src/cli/main.ts";

const ROOT = join(import.meta.dir, "..");
// --outdir puts the executable, the package and the tarball elsewhere (the package test builds into a scratch dir).
const outIndex = process.argv.indexOf("--outdir");
const DIST = outIndex >= 0 && process.argv[outIndex + 1] ? process.argv[outIndex + 1]! : join(ROOT, "dist");
const version = packageJson.version;
const DEB_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };
const arch = DEB_ARCH[process.arch];
if (arch === undefined) throw new Error(`no Debian architecture for ${process.arch}`);

function run(command: string[], cwd = ROOT): void {
  const result = Bun.spawnSync(command, { cwd, stdout: "inherit", stderr: "inherit" });
  if (result.exitCode !== 0) throw new Error(`${command.join(" ")} failed with exit code ${result.exitCode}`);
}

function put(stage: string, path: string, content: string | Uint8Array, mode = 0o644): void {
  const target = join(stage, path);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  writeFileSync(target, content);
  chmodSync(target, mode);
}

/** gzip as Debian ships man pages: best compression, no name or time in the header (reproducible). */
const manGzip = (text: string) => gzipSync(text, { level: 9 });

function control(installedKiB: number): string {
  return [
    "Package: vipd",
    `Version: ${version}`,
    `Architecture: ${arch}`,
    "Maintainer: vipd maintainers <vipd@example.com>",
    `Installed-Size: ${installedKiB}`,
    "Depends: libc6",
    "Section: net",
    "Priority: optional",
    `Description: ${packageJson.description}`,
    " vipd moves virtual IP addresses between servers with VRRP (v2 and v3, IPv4 and IPv6), speaks the",
    " same protocol as keepalived and reads a TOML configuration; `vipd convert` turns a keepalived.conf",
    " into one. It can be installed next to keepalived: its systemd unit conflicts with keepalived.service,",
    " so a node runs one of the two.",
    "",
  ].join("\n");
}

// Maintainer scripts: systemd learns about the unit (and forgets it); nothing is enabled or started, since the
// daemon needs a configuration first. Without a running systemd (a container, a chroot) they do nothing.
const POSTINST = `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
`;
const PRERM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then systemctl stop vipd.service || true; fi
`;
const POSTRM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
`;

async function build(): Promise<void> {
  run([process.execPath, join(ROOT, "build.ts"), "--outfile", join(DIST, "vipd")]);
  const stage = join(DIST, "package", `vipd_${version}_${arch}`);
  rmSync(join(DIST, "package"), { recursive: true, force: true });
  mkdirSync(stage, { recursive: true, mode: 0o755 });

  const commands = await describeCommand(main);
  const example = readFileSync(join(ROOT, "config.toml.example"), "utf8");
  put(stage, "usr/sbin/vipd", readFileSync(join(DIST, "vipd")), 0o755);
  put(stage, "usr/lib/systemd/system/vipd.service", readFileSync(join(ROOT, "packaging", "vipd.service")));
  put(stage, "usr/share/doc/vipd/config.toml.example", example);
  put(stage, "usr/share/man/man8/vipd.8.gz", manGzip(vipdManPage(commands, version)));
  put(stage, "usr/share/man/man5/vipd.toml.5.gz", manGzip(configManPage(example, version)));
  put(stage, "usr/share/bash-completion/completions/vipd", bashCompletion(commands));
  // The configuration's directory, for `vipd convert -o /etc/vipd/config.toml`; purge removes it once empty.
  mkdirSync(join(stage, "etc", "vipd"), { recursive: true, mode: 0o755 });

  const tarball = join(DIST, `vipd-${version}-linux-${arch}.tar.gz`);
  run(["tar", "--owner=0", "--group=0", "--sort=name", "-czf", tarball, "-C", stage, "etc", "usr"]);

  const installedKiB = Math.ceil(statSync(join(DIST, "vipd")).size / 1024) + 64;
  put(stage, "DEBIAN/control", control(installedKiB));
  put(stage, "DEBIAN/postinst", POSTINST, 0o755);
  put(stage, "DEBIAN/prerm", PRERM, 0o755);
  put(stage, "DEBIAN/postrm", POSTRM, 0o755);
  const deb = join(DIST, `vipd_${version}_${arch}.deb`);
  run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", stage, deb]);
  rmSync(join(DIST, "package"), { recursive: true, force: true });
  process.stdout.write(`${deb}\n${tarball}\n`);
}

await build();
