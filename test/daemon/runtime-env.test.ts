// The decision to restart the daemon under its runtime settings, and the reading of /proc/self/cmdline.

import { expect, test } from "bun:test";
import { DAEMON_RUNTIME_ENV, runtimeRestartEnv, splitCmdline, subcommandOf } from "../../src/daemon/runtime-env.ts";

test("a missing setting asks for a restart with it added and everything else kept", () => {
  const env = runtimeRestartEnv({ PATH: "/bin", HOME: "/root", UNSET: undefined });
  expect(env).toEqual({ PATH: "/bin", HOME: "/root", ...DAEMON_RUNTIME_ENV });
});

test("a setting already present (the user's own, or after the restart) means no restart", () => {
  expect(runtimeRestartEnv({ PATH: "/bin", BUN_GC_TIMER_INTERVAL: "5000" })).toBeNull();
  expect(runtimeRestartEnv({ ...DAEMON_RUNTIME_ENV })).toBeNull();
});

test("the subcommand is the first argument that is not an option", () => {
  expect(subcommandOf(["run", "-c", "x.toml"])).toBe("run");
  expect(subcommandOf(["--verbose", "run"])).toBe("run");
  expect(subcommandOf(["check", "run"])).toBe("check");
  expect(subcommandOf(["--version"])).toBeUndefined();
});

test("cmdline splits on NUL, the trailing one ends the last argument, empty arguments stay", () => {
  expect(splitCmdline("/usr/local/sbin/vipd\0run\0-c\0/etc/vipd/config.toml\0")).toEqual(["/usr/local/sbin/vipd", "run", "-c", "/etc/vipd/config.toml"]);
  expect(splitCmdline("vipd\0run\0--note\0\0")).toEqual(["vipd", "run", "--note", ""]);
  expect(splitCmdline("")).toEqual([]);
});
