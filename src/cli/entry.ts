// The executable's entry point. Output is plain (no colours) when not on a terminal, for journald and pipes;
// citty decides about colour once, when it is loaded, so the decision is made before importing it.

export {};

if (!process.stdout.isTTY && process.env.NO_COLOR === undefined) process.env.NO_COLOR = "1";

const { runMain } = await import("citty");
const { main } = await import("./main.ts");
await runMain(main);
