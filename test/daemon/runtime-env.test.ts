// The decision to restart the daemon under its runtime settings.

import { expect, test } from "bun:test";
import { DAEMON_RUNTIME_ENV, runtimeRestartEnv, subcommandOf } from "../../src/daemon/runtime-env.ts";

test("a missing setting asks for a restart with it added and everything else kept", () => {
  const env = runtimeRestartEnv({ PATH: "/bin", HOME: "/root", UNSET: undefined });
  expect(env).toEqual({ PATH: "/bin", HOME: "/root", ...DAEMON_RUNTIME_ENV });
});

test("a setting already present (the user's own, or after the restart) means no restart", () => {
  expect(runtimeRestartEnv({ PATH: "/bin", ...DAEMON_RUNTIME_ENV, BUN_GC_TIMER_INTERVAL: "5000" })).toBeNull();
  // One setting missing: restart with it, keeping the user's value of the other.
  expect(runtimeRestartEnv({ BUN_GC_TIMER_INTERVAL: "5000" })).toEqual({ ...DAEMON_RUNTIME_ENV, BUN_GC_TIMER_INTERVAL: "5000" });
  expect(runtimeRestartEnv({ ...DAEMON_RUNTIME_ENV })).toBeNull();
});

test("the subcommand is the first argument that is not an option", () => {
  expect(subcommandOf(["run", "-c", "x.toml"])).toBe("run");
  expect(subcommandOf(["--verbose", "run"])).toBe("run");
  expect(subcommandOf(["check", "run"])).toBe("check");
  expect(subcommandOf(["--version"])).toBeUndefined();
});
