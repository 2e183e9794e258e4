// The decision to restart the daemon under its runtime settings.

import { expect, test } from "bun:test";
import {
  checkerEnv,
  daemonRuntimeEnv,
  namesVirtualServers,
  RUNTIME_ADDED_VARIABLE,
  runtimeRestartEnv,
} from "../../src/daemon/runtime-env.ts";

test("a missing setting asks for a restart with it added and everything else kept", () => {
  const env = runtimeRestartEnv({ PATH: "/bin", HOME: "/root", UNSET: undefined }, false);
  expect(env).toEqual({
    PATH: "/bin",
    HOME: "/root",
    BUN_GC_TIMER_INTERVAL: "60000",
    BUN_JSC_useDFGJIT: "0",
    BUN_JSC_useBaselineJIT: "0",
    [RUNTIME_ADDED_VARIABLE]: "BUN_GC_TIMER_INTERVAL,BUN_JSC_useDFGJIT,BUN_JSC_useBaselineJIT",
  });
});

test("a daemon with virtual servers keeps the baseline JIT; DFG is off for both", () => {
  expect(daemonRuntimeEnv(true)).toEqual({ BUN_GC_TIMER_INTERVAL: "60000", BUN_JSC_useDFGJIT: "0" });
  expect(daemonRuntimeEnv(false)).toEqual({ ...daemonRuntimeEnv(true), BUN_JSC_useBaselineJIT: "0" });
  expect(runtimeRestartEnv({ PATH: "/bin" }, true)).toEqual({
    PATH: "/bin",
    ...daemonRuntimeEnv(true),
    [RUNTIME_ADDED_VARIABLE]: "BUN_GC_TIMER_INTERVAL,BUN_JSC_useDFGJIT",
  });
  // The restarted image never restarts again, whatever the file says by then (it may have been edited meanwhile).
  expect(runtimeRestartEnv(runtimeRestartEnv({ PATH: "/bin" }, false)!, true)).toBeNull();
});

test("a setting already present (the user's own, or after the restart) means no restart", () => {
  expect(runtimeRestartEnv({ PATH: "/bin", ...daemonRuntimeEnv(false), BUN_GC_TIMER_INTERVAL: "5000" }, false)).toBeNull();
  // One setting missing: restart with it, keeping the user's value of the other.
  expect(runtimeRestartEnv({ BUN_GC_TIMER_INTERVAL: "5000" }, false)).toEqual({
    ...daemonRuntimeEnv(false),
    BUN_GC_TIMER_INTERVAL: "5000",
    [RUNTIME_ADDED_VARIABLE]: "BUN_JSC_useDFGJIT,BUN_JSC_useBaselineJIT",
  });
  expect(runtimeRestartEnv({ ...daemonRuntimeEnv(false) }, false)).toBeNull();
  // The user's own baseline JIT setting wins either way.
  expect(runtimeRestartEnv({ ...daemonRuntimeEnv(true), BUN_JSC_useBaselineJIT: "1" }, false)).toBeNull();
});

test("the checker process runs with the JIT unless the user turned it off; the GC timer setting stays", () => {
  const restarted = runtimeRestartEnv({ PATH: "/bin" }, false)!;
  expect(checkerEnv(restarted)).toEqual({
    PATH: "/bin",
    BUN_GC_TIMER_INTERVAL: "60000",
    BUN_JSC_useFTLJIT: "0",
  });
  // Settings the systemd unit gave and listed, then the restart's own: the checker leaves out both.
  const unit = runtimeRestartEnv({ PATH: "/bin" }, true)!;
  expect(checkerEnv(runtimeRestartEnv(unit, false)!)).toEqual(checkerEnv(restarted));
  // The user's own JIT settings (present before the restart, so not added by it) reach the checker too.
  const own = runtimeRestartEnv({ PATH: "/bin", BUN_JSC_useDFGJIT: "0" }, false)!;
  expect(checkerEnv(own)).toEqual({
    PATH: "/bin",
    BUN_JSC_useDFGJIT: "0",
    BUN_GC_TIMER_INTERVAL: "60000",
    BUN_JSC_useFTLJIT: "0",
  });
  // Not restarted at all (under a test, or the restart failed): nothing to take out.
  expect(checkerEnv({ PATH: "/bin", BUN_JSC_useBaselineJIT: "0", UNSET: undefined })).toEqual({
    PATH: "/bin",
    BUN_JSC_useBaselineJIT: "0",
    BUN_JSC_useFTLJIT: "0",
  });
});

test("a file names virtual servers by a table or key at a line's start, never in a comment", () => {
  const named = [
    '[virtual_servers."203.0.113.1:80"]\naddress = "203.0.113.1"',
    "[virtual_servers.web]",
    "  [ virtual_servers . web ]",
    "[[virtual_servers.web.real_servers]]",
    'virtual_servers.web.address = "203.0.113.1"',
    'virtual_servers = { web = { address = "203.0.113.1" } }',
    '["virtual_servers".web]',
    "[global]\n\n[virtual_servers]\nweb = {}",
  ];
  for (const text of named) expect(namesVirtualServers(text)).toBe(true);
  const not = [
    "",
    '[instances.VI_1]\ninterface = "eth0"',
    "# [virtual_servers.web] is for the load balancer",
    "[virtual_server_groups.g]",
    'name = "virtual_servers"',
    "[instances.virtual_servers]",
  ];
  for (const text of not) expect(namesVirtualServers(text)).toBe(false);
});

test("the checker runs without JSC's FTL tier unless the user set it", () => {
  expect(checkerEnv({ PATH: "/bin" }).BUN_JSC_useFTLJIT).toBe("0");
  expect(checkerEnv({ PATH: "/bin", BUN_JSC_useFTLJIT: "1" }).BUN_JSC_useFTLJIT).toBe("1");
});
