// mkfifo(3): Node has no call for it, and the daemon creates a notify FIFO when its reader (notify_fifo_script)
// needs one, as keepalived does.
import { lastError, libc } from "./libc.ts";

/** Creates a FIFO at `path` with `mode` (less the umask); throws a SyscallError (EEXIST when something is there). */
export function mkfifo(path: string, mode: number): void {
  if (libc.mkfifo(Buffer.from(`${path}\0`, "utf8"), mode) !== 0) throw lastError("mkfifo", path);
}
