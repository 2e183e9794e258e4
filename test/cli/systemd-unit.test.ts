// The systemd unit must call the commands the way the CLI takes them, with the CLI's default paths, and say what
// the daemon does for systemd (sd_notify readiness, the watchdog).

import { expect, test } from "bun:test";
import { afterAll } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../../src/cli/check.ts";
import { DEFAULT_SOCKET } from "../../src/cli/run.ts";
import { DAEMON_CAPABILITY_NAMES } from "../../src/daemon/privileges.ts";
import { runtimeRestartEnv } from "../../src/daemon/runtime-env.ts";

const unit = readFileSync(join(import.meta.dir, "..", "..", "packaging", "vipd.service"), "utf8");
const value = (key: string) =>
  unit
    .split("\n")
    .find((l) => l.startsWith(`${key}=`))
    ?.slice(key.length + 1);

test("the unit runs and reloads /usr/sbin/vipd with the CLI's defaults, reading the file once", () => {
  // `vipd run` refuses a broken file itself: a check before it would read the file a second time.
  expect(value("ExecStartPre")).toBeUndefined();
  expect(value("ExecStart")).toBe(`/usr/sbin/vipd run --config ${DEFAULT_CONFIG} --socket ${DEFAULT_SOCKET}`);
  expect(value("ExecReload")).toBe("/bin/kill -HUP $MAINPID");
  expect(value("RuntimeDirectory")).toBe(DEFAULT_SOCKET.split("/")[2]);
});

test("the unit gives the daemon every daemon's runtime settings, marked as vipd's own", () => {
  const env: Record<string, string> = {};
  for (const line of unit.split("\n").filter((l) => l.startsWith("Environment="))) {
    for (const pair of line.slice("Environment=".length).split(" ")) {
      const [key, value] = pair.split("=");
      env[key!] = value!;
    }
  }
  expect(env).toEqual(runtimeRestartEnv({}, true)!);
  // Started so, a daemon with virtual servers does not restart; one without restarts once, for the baseline JIT.
  expect(runtimeRestartEnv(env, true)).toBeNull();
  expect(runtimeRestartEnv(env, false)).toEqual({
    ...env,
    BUN_JSC_useBaselineJIT: "0",
    VIPD_RUNTIME_ADDED: `${env.VIPD_RUNTIME_ADDED},BUN_JSC_useBaselineJIT`,
  });
});

test("the unit conflicts with keepalived at the service level only", () => {
  expect(value("Conflicts")).toBe("keepalived.service");
});

test("the unit is Type=notify with a watchdog and restarts on failure", () => {
  expect(value("Type")).toBe("notify");
  expect(value("WatchdogSec")).toMatch(/^[1-9]\d*s$/);
  expect(value("Restart")).toBe("on-failure");
  expect(value("Documentation")).toBe("man:vipd(8) man:vipd.toml(5)");
});

// systemd-analyze security's exposure (0 safe … 10 unsafe) was 9.6 without a sandbox and 3.5 with this one. The
// rest is what a VRRP daemon is: the host's network, netlink and packet sockets, CAP_NET_ADMIN, CAP_SETUID/SETGID.
const EXPOSURE_LIMIT = 4.0;

const workDir = mkdtempSync(join(tmpdir(), "vipd-unit-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function systemdAnalyze(args: string[]): { code: number; output: string } {
  const tool = Bun.which("systemd-analyze");
  if (!tool) throw new Error("systemd-analyze is not on PATH: apt-get install -y systemd (scripts/install-deps.sh does)");
  const run = Bun.spawnSync([tool, ...args], { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  return { code: run.exitCode ?? -1, output: run.stdout.toString() + run.stderr.toString() };
}

test("the unit's capabilities are the daemon's own, none ambient, and setuid programs keep working", () => {
  expect(value("CapabilityBoundingSet")?.split(" ")).toEqual([...DAEMON_CAPABILITY_NAMES]);
  expect(value("AmbientCapabilities")).toBe("");
  // sudo in a notify script needs its setuid bit honoured.
  expect(value("NoNewPrivileges")).toBeUndefined();
});

test("the unit carries the sandbox, and leaves off what vipd or its scripts need", () => {
  expect({
    ProtectSystem: value("ProtectSystem"),
    ProtectHome: value("ProtectHome"),
    PrivateTmp: value("PrivateTmp"),
    PrivateDevices: value("PrivateDevices"),
    ProtectKernelModules: value("ProtectKernelModules"),
    ProtectKernelLogs: value("ProtectKernelLogs"),
    ProtectControlGroups: value("ProtectControlGroups"),
    ProtectClock: value("ProtectClock"),
    RestrictNamespaces: value("RestrictNamespaces"),
    RestrictAddressFamilies: value("RestrictAddressFamilies"),
    SystemCallArchitectures: value("SystemCallArchitectures"),
    SystemCallErrorNumber: value("SystemCallErrorNumber"),
    LockPersonality: value("LockPersonality"),
    RestrictRealtime: value("RestrictRealtime"),
    RestrictSUIDSGID: value("RestrictSUIDSGID"),
    UMask: value("UMask"),
  }).toEqual({
    ProtectSystem: "strict",
    ProtectHome: "read-only",
    PrivateTmp: "yes",
    PrivateDevices: "yes",
    ProtectKernelModules: "yes",
    ProtectKernelLogs: "yes",
    ProtectControlGroups: "yes",
    ProtectClock: "yes",
    RestrictNamespaces: "yes",
    RestrictAddressFamilies: "AF_UNIX AF_NETLINK AF_INET AF_INET6 AF_PACKET",
    SystemCallArchitectures: "native",
    SystemCallErrorNumber: "EPERM",
    LockPersonality: "yes",
    RestrictRealtime: "yes",
    RestrictSUIDSGID: "yes",
    UMask: "0077",
  });
  expect(value("SystemCallFilter")?.startsWith("~")).toBe(true);
  // The status socket's directory is the one place vipd writes (ProtectSystem=strict keeps it writable).
  expect(`/run/${value("RuntimeDirectory")}`).toBe(DEFAULT_SOCKET.slice(0, DEFAULT_SOCKET.lastIndexOf("/")));
  // Bun's JIT needs writable+executable memory; vipd writes /proc/sys/net; scripts look at other users' processes.
  for (const key of ["MemoryDenyWriteExecute", "ProtectKernelTunables", "ProtectProc", "ProcSubset"]) expect(value(key)).toBeUndefined();
});

test("systemd-analyze verify finds nothing wrong in the unit's directives", () => {
  // verify also wants ExecStart's binary and the man pages installed (the package test checks those): here the
  // program is an executable that exists and the Documentation line is left out.
  const copy = unit.replaceAll("/usr/sbin/vipd", "/bin/true").replace(/^Documentation=.*\n/m, "");
  const path = join(workDir, "vipd.service");
  writeFileSync(path, copy);
  expect(systemdAnalyze(["verify", path])).toEqual({ code: 0, output: "" });
});

test(`systemd-analyze security rates the unit's exposure below ${EXPOSURE_LIMIT}`, () => {
  const { code, output } = systemdAnalyze(["security", "--offline=true", join(import.meta.dir, "..", "..", "packaging", "vipd.service")]);
  const score = Number(/Overall exposure level for vipd\.service: ([\d.]+)/.exec(output)?.[1]);
  console.log(`systemd-analyze security: vipd.service exposure ${score} (limit ${EXPOSURE_LIMIT})`);
  expect(code).toBe(0);
  expect(score).toBeGreaterThan(0);
  expect(score).toBeLessThan(EXPOSURE_LIMIT);
});
