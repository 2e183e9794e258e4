// setns(2) for a network namespace, on the calling thread only: what that thread starts (Bun.spawn forks from it)
// starts inside the namespace, with no launcher process (`ip netns exec`) between. The benchmarks start daemons so.
import { closeSync, openSync } from "node:fs";
import { CLONE_NEWNET } from "./constants.ts";
import { lastError, libc } from "./libc.ts";

/**
 * Runs `work` with the calling thread in the network namespace bound at `path` (/run/netns/NAME), then returns it
 * to the one it was in, also when `work` throws. If the way back fails the thread is in an unknown namespace:
 * that throws too, and the caller should end the process.
 */
export function inNetworkNamespace<T>(path: string, work: () => T): T {
  const home = openSync("/proc/thread-self/ns/net", "r");
  try {
    const target = openSync(path, "r");
    try {
      if (libc.setns(target, CLONE_NEWNET) !== 0) throw lastError("setns", path);
    } finally {
      closeSync(target);
    }
    const back = () => {
      if (libc.setns(home, CLONE_NEWNET) !== 0) throw lastError("setns", "back to the thread's own namespace");
    };
    let result: T;
    try {
      result = work();
    } catch (error) {
      back();
      throw error;
    }
    back();
    return result;
  } finally {
    closeSync(home);
  }
}
