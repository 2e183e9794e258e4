// Subcommands that later work fills in. They say so plainly and fail, rather than pretend to work.

import { defineCommand } from "citty";

export const NOT_IMPLEMENTED_EXIT = 2;

export function notImplemented(name: string, description: string, issue: string) {
  return defineCommand({
    meta: { name, description: `${description} (not implemented yet)` },
    run() {
      process.stderr.write(`vipd ${name}: not implemented yet (${issue})\n`);
      process.exit(NOT_IMPLEMENTED_EXIT);
    },
  });
}
