// Runtime settings for the long-running daemon, which Bun reads only when a process starts: `vipd run` restarts
// itself once (same PID, same arguments) with them in its environment. The systemd unit sets every daemon's (with
// RUNTIME_ADDED_VARIABLE), so a daemon started by it with virtual servers starts once; one without restarts once to
// turn the baseline JIT off.
//
// BUN_GC_TIMER_INTERVAL: Bun's garbage-collection timer wakes the runtime every second to consider an
// opportunistic collection (a GC helper thread hand-off and a read of /proc/self/statm each time). For a daemon
// whose hot paths allocate nothing, that timer was most of its idle CPU: with one instance at one advert a second,
// 0.11 % of a core with it, 0.06 % at one check a minute (bench/failover.ts part 3). Collections driven by
// allocation are unaffected. Every 10 s was tried against the memory soak (100 instances tracking a script that
// flaps every 3 s): minute means 10.1–13.9 MiB anonymous over 40 minutes, against 10.2–15.8 over 60 at once a
// minute, for +0.03–0.05 % of a core idle: not adopted. The soak's garbage is mostly the script runs' buffers.
// Measured and not adopted either (100 instances, anonymous MiB, means of runs): MIMALLOC_PURGE_DELAY=0 (9.4–9.6
// against 9.5–10.0 without: noise), BUN_JSC_numberOfGCMarkers=1 (10.0), BUN_JSC_gcMaxHeapSize (collections
// forced by heap size could land on a takeover).
//
// BUN_JSC_useDFGJIT=0 and BUN_JSC_useBaselineJIT=0: JSC's JIT tiers compiled the daemon's hot paths (the adverts of
// 100 instances) into code, code blocks and compiler data that stayed resident. Without the optimizing tiers (DFG,
// FTL) anonymous memory with 100 instances went 16.5 → 13.1 MiB and RSS 63 → 54 MiB; without the baseline JIT too
// (the interpreter runs everything) 11.9 MiB and 52 MiB (bench/failover.ts, memory table). A takeover runs code
// that has never run, which no tier had compiled anyway: part 1b stayed within a millisecond of
// Master_Down_Interval (0.9 ms at 100 ms adverts), 100 VIPs still move in ≈ 300 ms, and idle CPU stayed level
// with keepalived's. What it costs is the steady state's per-advert time: 0.2 µs → 12 µs to receive, 5 µs to send
// (bench/core.ts under these settings), 0.1 % of a core for 100 adverts a second. bun:ffi still works: it needs
// the JIT enabled (BUN_JSC_useJIT=0 makes dlopen throw), not its tiers. Measured again once the executable was
// split into chunks (100 instances, means of two runs): 9.5 MiB as set here, 12.0 with the baseline JIT back on,
// 14.1 with DFG too: turning a tier on costs the 12 MiB target (2026-12-05: 10.1 MiB, 12.7 with the baseline JIT).
//
// A load balancer is the other case: its start reads, checks and sends thousands of real servers once, where the
// interpreter pays for every function call, and its memory is the table's anyway. So the baseline JIT stays on in a
// daemon whose file names virtual servers. In the test VM (bench/lvs.ts, 1,000 services × 10 real servers, five
// rounds each in one boot, keepalived's install 1.25 s) the install took 1.50 s with it against 2.28 s without;
// the DFG tier on too made it slower (2.40 s: its compiler's own time, under emulation), so DFG stays off.

/** Every daemon's runtime settings. */
const EVERY_DAEMON: Readonly<Record<string, string>> = {
  BUN_GC_TIMER_INTERVAL: "60000",
  BUN_JSC_useDFGJIT: "0",
};

/** A daemon without virtual servers (VRRP alone): the interpreter runs everything, for the memory target. */
const WITHOUT_VIRTUAL_SERVERS: Readonly<Record<string, string>> = { BUN_JSC_useBaselineJIT: "0" };

/** The runtime settings of a daemon with or without virtual servers. */
export function daemonRuntimeEnv(virtualServers: boolean): Readonly<Record<string, string>> {
  return virtualServers ? EVERY_DAEMON : { ...EVERY_DAEMON, ...WITHOUT_VIRTUAL_SERVERS };
}

/**
 * Whether a config file's text names virtual servers: a table or key at a line's start whose path begins with
 * virtual_servers. Judged before the file is read properly (that read would be lost in the restart); a wrong
 * guess (say, such a line inside a multi-line string) costs only speed or memory, never behaviour.
 */
export function namesVirtualServers(text: string): boolean {
  return /^[ \t]*(?:\[[ \t]*)*["']?virtual_servers["']?[ \t]*[.=\]]/m.test(text);
}

/** Lists the settings the restart added, so that the checker process can leave out those not meant for it. */
export const RUNTIME_ADDED_VARIABLE = "VIPD_RUNTIME_ADDED";

/**
 * The JIT settings are for the VRRP daemon's resident memory. The checker process is the opposite case: its probes
 * are its steady state, thousands a second, and the interpreter made each check cost ≈ 1.5× the CPU on this host
 * and ≈ 3× under the VM's emulation (bench/checkers.ts), so it runs with the JIT unless the user disabled it.
 */
const NOT_FOR_THE_CHECKER = ["BUN_JSC_useDFGJIT", "BUN_JSC_useBaselineJIT"];

/**
 * The checker's own setting: without FTL, JSC's last tier. A check's JavaScript is a few short functions that the
 * DFG tier already compiles well; FTL kept recompiling them at a cost that did not pay back. In the VM
 * (bench/checkers.ts --load-only, 15 s windows) the checker's user time went 1.91 → 0.76 s at 500 TCP checks a
 * second and 1.83 → 1.06 s at 1,000 (its system time is the kernel's, unchanged); on this host, checker CPU per
 * 1,000 checks/s 6.1 → 4.6 % (TCP, 1,000 checks/s), 4.6 → 4.0 % (10,000), 10.2 → 6.2 % (HTTP). Turning DFG off too
 * was worse (1,000 TCP checks/s in the VM: 43 → 62 % of a core). A user's own value wins.
 */
export const CHECKER_RUNTIME_ENV: Readonly<Record<string, string>> = { BUN_JSC_useFTLJIT: "0" };

/**
 * The environment to restart with, or null when there is nothing to do: every setting is already there (a user's
 * own value wins, and a restarted daemon does not restart again). The settings added are listed, after any the
 * environment already listed (the systemd unit gives every daemon's and lists them).
 */
export function runtimeRestartEnv(
  env: Readonly<Record<string, string | undefined>>,
  virtualServers: boolean,
): Record<string, string> | null {
  const missing = Object.entries(daemonRuntimeEnv(virtualServers)).filter(([key]) => env[key] === undefined);
  if (missing.length === 0) return null;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  for (const [key, value] of missing) result[key] = value;
  const listed = (env[RUNTIME_ADDED_VARIABLE] ?? "").split(",").filter((key) => key !== "");
  result[RUNTIME_ADDED_VARIABLE] = [...listed, ...missing.map(([key]) => key)].join(",");
  return result;
}

/**
 * The checker process's environment: the daemon's, without the JIT settings the daemon's restart added, with the
 * checker's own settings where the user has none.
 */
export function checkerEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const added = new Set((env[RUNTIME_ADDED_VARIABLE] ?? "").split(","));
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key === RUNTIME_ADDED_VARIABLE || (added.has(key) && NOT_FOR_THE_CHECKER.includes(key))) continue;
    result[key] = value;
  }
  for (const [key, value] of Object.entries(CHECKER_RUNTIME_ENV)) result[key] ??= value;
  return result;
}
