// Compiles the whole program (daemon, CLI, converter) into one executable: dist/vipd.
// Usage: bun build.ts [--outfile PATH] [--entry FILE]
// (--entry compiles another program exactly as vipd is: the benchmark measures the runtime's floor with it.)

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

const args = process.argv.slice(2);
const outIndex = args.indexOf("--outfile");
const outfile = outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1]! : join(import.meta.dir, "dist", "vipd");
mkdirSync(dirname(outfile), { recursive: true });
const entryIndex = args.indexOf("--entry");
const entry = entryIndex >= 0 && args[entryIndex + 1] ? args[entryIndex + 1]! : join(import.meta.dir, "src", "cli", "entry.ts");

const result = Bun.spawnSync(
  [
    process.execPath,
    "build",
    "--compile",
    // --smol keeps the daemon's heap small (≈31 MB RSS measured); never strip the result: it holds the program.
    "--compile-exec-argv=--smol",
    // Bytecode compiled ahead: a takeover runs code that has never run in this process, and parsing it then cost
    // ≈ 0.5 ms before the first gratuitous ARP (traced). Bun's bytecode needs the ESM output format.
    "--bytecode",
    "--format=esm",
    // Each dynamic import() its own chunk, loaded only when imported: bundled into one file, every function of
    // every command (convert, lab, the VM runner, the checkers) was created at start, the daemon's too. `vipd run`
    // with 100 instances went 11.7 → 9.3 MiB anonymous, `vipd check` 171 → 94 ms; the chunks keep their bytecode.
    "--splitting",
    entry,
    "--outfile",
    outfile,
  ],
  { stdout: "inherit", stderr: "inherit" },
);
if (result.exitCode !== 0) {
  console.error(`build failed with exit code ${result.exitCode}`);
  process.exit(1);
}
