// The executable's entry point. Output is plain (no colours) when not on a terminal, for journald and pipes;
// citty decides about colour once, when it is loaded, so the decision is made before importing it.

import { CHECKER_ARGUMENT } from "../check/checker-protocol.ts";

if (!process.stdout.isTTY && process.env.NO_COLOR === undefined) process.env.NO_COLOR = "1";

// The daemon's checker process (src/check/checker-main.ts) is this executable too, started with an internal argument.
if (process.argv[2] === CHECKER_ARGUMENT) {
  const { checkerMain } = await import("../check/checker-main.ts");
  await checkerMain();
}

const { runMain } = await import("citty");
const { main } = await import("./main.ts");
const { showHelp } = await import("./help.ts");
await runMain(main, { showUsage: showHelp });
