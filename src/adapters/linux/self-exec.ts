// Restarting this very process (same PID) with an amended environment: the exact original arguments come from
// /proc/self/cmdline and the program from /proc/self/exe, so it works the same for the compiled executable and for
// `bun src/cli/entry.ts`. The program is named by its path, so the process keeps its name (`ps`, `pgrep vipd`);
// /proc/self/exe itself is the fallback when that path is gone (the binary replaced while running).
import { readFileSync, readlinkSync } from "node:fs";
import { execve } from "../../../ffi/index.ts";
import { toAdapterError } from "../adapter-error.ts";

/** /proc/PID/cmdline's text: the arguments, each ended by a NUL. */
export function splitCmdline(raw: string): string[] {
  const parts = raw.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

/** Returns only when the restart could not be made, with the reason. */
export function restartSelf(env: Readonly<Record<string, string>>): Error {
  let argv: string[];
  try {
    argv = splitCmdline(readFileSync("/proc/self/cmdline", "utf8"));
  } catch (error) {
    return error as Error;
  }
  if (argv.length === 0) return new Error("/proc/self/cmdline is empty");
  let program = "/proc/self/exe";
  try {
    program = readlinkSync(program);
  } catch {
    // Keep /proc/self/exe.
  }
  const error = execve(program, argv, env);
  const last = program === "/proc/self/exe" ? error : execve("/proc/self/exe", argv, env);
  return toAdapterError("restart in place", last);
}
