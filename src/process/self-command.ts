// The argv that runs vipd itself (the lab's routers, the daemon's checker process). Compiled by `bun build
// --compile`, the modules live in Bun's embedded file system and process.execPath is vipd itself; under
// `bun src/cli/entry.ts` it is bun, which needs the entry file.

import { join } from "node:path";

export function selfCommand(modulePath = import.meta.path, execPath = process.execPath): string[] {
  if (modulePath.startsWith("/$bunfs/") || modulePath.startsWith("B:\\~BUN\\")) return [execPath];
  return [execPath, join(import.meta.dir, "..", "cli", "entry.ts")];
}
