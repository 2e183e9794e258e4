// execve(2): replace the running program, keeping the PID (systemd, the lab and `kill` keep talking to the same
// process). Used once, at start, to restart the daemon under runtime settings that are read only at process start.
import { ptr } from "bun:ffi";
import { lastError, libc } from "./libc.ts";

/** A NUL-terminated copy of `text` (execve wants C strings). */
function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`, "utf8");
}

/**
 * Runs `path` with `argv` and `env` in place of this program. Returns only on failure, with the error: the caller
 * decides whether to go on without the new image.
 */
export function execve(path: string, argv: readonly string[], env: Readonly<Record<string, string>>): Error {
  const strings = [...argv, ...Object.entries(env).map(([key, value]) => `${key}=${value}`)].map(cString);
  // Two NULL-terminated pointer arrays; `strings` keeps every buffer alive until the call.
  const pointers = new BigUint64Array(strings.length + 2);
  strings.forEach((s, i) => {
    pointers[i < argv.length ? i : i + 1] = BigInt(ptr(s));
  });
  const argvArray = pointers.subarray(0, argv.length + 1);
  const envArray = pointers.subarray(argv.length + 1);
  libc.execve(cString(path), argvArray, envArray);
  return lastError("execve", path);
}
