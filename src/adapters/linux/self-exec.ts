// Restarting this very process (same PID) with an amended environment: the exact original arguments come from
// /proc/self/cmdline and the program from /proc/self/exe, so it works the same for the compiled executable and for
// `bun src/cli/entry.ts`.
import { readFileSync } from "node:fs";
import { execve } from "../../../ffi/index.ts";
import { splitCmdline } from "../../daemon/runtime-env.ts";

/** Returns only when the restart could not be made, with the reason. */
export function restartSelf(env: Readonly<Record<string, string>>): Error {
  let argv: string[];
  try {
    argv = splitCmdline(readFileSync("/proc/self/cmdline", "latin1"));
  } catch (error) {
    return error as Error;
  }
  if (argv.length === 0) return new Error("/proc/self/cmdline is empty");
  return execve("/proc/self/exe", argv, env);
}
