// Runtime settings for the long-running daemon, which Bun reads only when a process starts: `vipd run` restarts
// itself once (same PID, same arguments) with them in its environment.
//
// BUN_GC_TIMER_INTERVAL: Bun's garbage-collection timer wakes the runtime every second to consider an
// opportunistic collection (a GC helper thread hand-off and a read of /proc/self/statm each time). For a daemon
// whose hot paths allocate nothing, that timer was most of its idle CPU: with one instance at one advert a second,
// 0.11 % of a core with it, 0.06 % at one check a minute (bench/failover.ts part 3). Collections driven by
// allocation are unaffected.

//
// BUN_JSC_useDFGJIT=0: JSC's optimizing tiers (DFG, and FTL above it) compiled the daemon's hot paths (adverts of
// 100 instances) into code, code blocks and compiler data that stayed resident: with 100 instances anonymous
// memory 16.5 → 13.1 MiB and RSS 63 → 54 MiB without them (bench/failover.ts, memory table). A takeover runs code
// that has never run (no tier helps it: the first takeover is as fast as before, bench part 1b), idle CPU did not
// rise (no compile bursts), and the core's per-advert cost went 0.2 → 2.3 µs (bench/core.ts): 0.02 % of a core
// at 100 adverts a second. The baseline JIT stays (bun:ffi needs a JIT: with BUN_JSC_useJIT=0 dlopen throws).

export const DAEMON_RUNTIME_ENV: Readonly<Record<string, string>> = { BUN_GC_TIMER_INTERVAL: "60000", BUN_JSC_useDFGJIT: "0" };

/**
 * The environment to restart with, or null when there is nothing to do: every setting is already there (a user's
 * own value wins, and a restarted daemon does not restart again).
 */
export function runtimeRestartEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> | null {
  const missing = Object.entries(DAEMON_RUNTIME_ENV).filter(([key]) => env[key] === undefined);
  if (missing.length === 0) return null;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  for (const [key, value] of missing) result[key] = value;
  return result;
}

/** The subcommand citty will run: the first argument that is not an option. */
export function subcommandOf(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith("-"));
}
