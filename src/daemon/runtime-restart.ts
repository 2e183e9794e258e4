// `vipd run` restarts itself once (same PID, same arguments) under the runtime settings of runtime-env.ts, which
// Bun reads only when a process starts. Which settings depends on whether the file names virtual servers, so this
// runs once the file's path is known and before the daemon starts.

import { readFileSync } from "node:fs";
import { keepOnlyCapabilities } from "../adapters/linux/capabilities.ts";
import { restartSelf } from "../adapters/linux/self-exec.ts";
import { DAEMON_CAPABILITY_NAMES } from "./privileges.ts";
import { namesVirtualServers, runtimeRestartEnv } from "./runtime-env.ts";

/** Returns when no setting is missing, or when the restart failed (said on stderr): the daemon goes on as it is. */
export function restartUnderRuntimeSettings(configPath: string): void {
  const env = runtimeRestartEnv(process.env, fileNamesVirtualServers(configPath));
  if (env === null) return;
  // Capabilities are per thread and Bun's own threads (JIT, allocator) already run: narrowing the bounding set
  // before execve is what reaches them, since the new image's threads all start from it. See privileges.ts.
  try {
    keepOnlyCapabilities(DAEMON_CAPABILITY_NAMES);
  } catch (error) {
    process.stderr.write(`vipd: capabilities not narrowed before the restart: ${(error as Error).message}\n`);
  }
  const error = restartSelf(env);
  process.stderr.write(`vipd: going on with Bun's default runtime settings (restart failed: ${error.message})\n`);
}

/** An unreadable file counts as none: the daemon's own read of it says why it cannot start. */
function fileNamesVirtualServers(path: string): boolean {
  try {
    return namesVirtualServers(readFileSync(path, "utf8"));
  } catch {
    return false;
  }
}
