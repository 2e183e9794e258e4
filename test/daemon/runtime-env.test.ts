// The decision to restart the daemon under its runtime settings.

import { expect, test } from "bun:test";
import { checkerEnv, DAEMON_RUNTIME_ENV, RUNTIME_ADDED_VARIABLE, runtimeRestartEnv, subcommandOf } from "../../src/daemon/runtime-env.ts";

test("a missing setting asks for a restart with it added and everything else kept", () => {
  const env = runtimeRestartEnv({ PATH: "/bin", HOME: "/root", UNSET: undefined });
  expect(env).toEqual({
    PATH: "/bin",
    HOME: "/root",
    ...DAEMON_RUNTIME_ENV,
    [RUNTIME_ADDED_VARIABLE]: "BUN_GC_TIMER_INTERVAL,BUN_JSC_useDFGJIT,BUN_JSC_useBaselineJIT",
  });
});

test("a setting already present (the user's own, or after the restart) means no restart", () => {
  expect(runtimeRestartEnv({ PATH: "/bin", ...DAEMON_RUNTIME_ENV, BUN_GC_TIMER_INTERVAL: "5000" })).toBeNull();
  // One setting missing: restart with it, keeping the user's value of the other.
  expect(runtimeRestartEnv({ BUN_GC_TIMER_INTERVAL: "5000" })).toEqual({
    ...DAEMON_RUNTIME_ENV,
    BUN_GC_TIMER_INTERVAL: "5000",
    [RUNTIME_ADDED_VARIABLE]: "BUN_JSC_useDFGJIT,BUN_JSC_useBaselineJIT",
  });
  expect(runtimeRestartEnv({ ...DAEMON_RUNTIME_ENV })).toBeNull();
});

test("the checker process runs with the JIT unless the user turned it off; the GC timer setting stays", () => {
  const restarted = runtimeRestartEnv({ PATH: "/bin" })!;
  expect(checkerEnv(restarted)).toEqual({
    PATH: "/bin",
    BUN_GC_TIMER_INTERVAL: DAEMON_RUNTIME_ENV.BUN_GC_TIMER_INTERVAL!,
    BUN_JSC_useFTLJIT: "0",
  });
  // The user's own JIT settings (present before the restart, so not added by it) reach the checker too.
  const own = runtimeRestartEnv({ PATH: "/bin", BUN_JSC_useDFGJIT: "0" })!;
  expect(checkerEnv(own)).toEqual({
    PATH: "/bin",
    BUN_JSC_useDFGJIT: "0",
    BUN_GC_TIMER_INTERVAL: DAEMON_RUNTIME_ENV.BUN_GC_TIMER_INTERVAL!,
    BUN_JSC_useFTLJIT: "0",
  });
  // Not restarted at all (under a test, or the restart failed): nothing to take out.
  expect(checkerEnv({ PATH: "/bin", BUN_JSC_useBaselineJIT: "0", UNSET: undefined })).toEqual({
    PATH: "/bin",
    BUN_JSC_useBaselineJIT: "0",
    BUN_JSC_useFTLJIT: "0",
  });
});

test("the checker runs without JSC's FTL tier unless the user set it", () => {
  expect(checkerEnv({ PATH: "/bin" }).BUN_JSC_useFTLJIT).toBe("0");
  expect(checkerEnv({ PATH: "/bin", BUN_JSC_useFTLJIT: "1" }).BUN_JSC_useFTLJIT).toBe("1");
});

test("the subcommand is the first argument that is not an option", () => {
  expect(subcommandOf(["run", "-c", "x.toml"])).toBe("run");
  expect(subcommandOf(["--verbose", "run"])).toBe("run");
  expect(subcommandOf(["check", "run"])).toBe("check");
  expect(subcommandOf(["--version"])).toBeUndefined();
});
