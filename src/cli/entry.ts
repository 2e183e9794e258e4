// The executable's entry point. Output is plain (no colours) when not on a terminal, for journald and pipes;
// citty decides about colour once, when it is loaded, so the decision is made before importing it.

import { CHECKER_ARGUMENT } from "../check/checker-protocol.ts";
import { runtimeRestartEnv, subcommandOf } from "../daemon/runtime-env.ts";

if (!process.stdout.isTTY && process.env.NO_COLOR === undefined) process.env.NO_COLOR = "1";

// The daemon's checker process (src/check/checker-main.ts) is this executable too, started with an internal argument.
if (process.argv[2] === CHECKER_ARGUMENT) {
  const { checkerMain } = await import("../check/checker-main.ts");
  await checkerMain();
}

// The daemon runs under runtime settings read only at process start (see runtime-env.ts): restart once with them.
if (subcommandOf(process.argv.slice(2)) === "run") {
  const env = runtimeRestartEnv(process.env);
  if (env !== null) {
    // Capabilities are per thread and Bun's own threads (JIT, allocator) already run: narrowing the bounding set
    // before execve is what reaches them, since the new image's threads all start from it. See privileges.ts.
    const { keepOnlyCapabilities } = await import("../adapters/linux/capabilities.ts");
    const { DAEMON_CAPABILITY_NAMES } = await import("../daemon/privileges.ts");
    try {
      keepOnlyCapabilities(DAEMON_CAPABILITY_NAMES);
    } catch (error) {
      process.stderr.write(`vipd: capabilities not narrowed before the restart: ${(error as Error).message}\n`);
    }
    const { restartSelf } = await import("../adapters/linux/self-exec.ts");
    const error = restartSelf(env);
    process.stderr.write(`vipd: going on with Bun's default runtime settings (restart failed: ${error.message})\n`);
  }
}

const { runMain } = await import("citty");
const { main } = await import("./main.ts");
const { showHelp } = await import("./help.ts");
await runMain(main, { showUsage: showHelp });
