// Whether a kernel module's code can be in the running kernel without asking the kernel, which would load it: a
// loaded module has /sys/module/NAME; a built-in one is listed in modules.builtin (and may have no /sys entry).

import { existsSync, readFileSync } from "node:fs";
import { release } from "node:os";

export interface ModuleRoots {
  /** Default /sys/module. */
  sysModule?: string;
  /** The running kernel's module directory; default /lib/modules/$(uname -r). */
  modules?: string;
}

/** False only when the module is known to be neither loaded nor built in. */
export function moduleMayBePresent(name: string, roots: ModuleRoots = {}): boolean {
  if (existsSync(`${roots.sysModule ?? "/sys/module"}/${name}`)) return true;
  let builtin: string;
  try {
    builtin = readFileSync(`${roots.modules ?? `/lib/modules/${release()}`}/modules.builtin`, "utf8");
  } catch {
    return true; // nothing says it is absent
  }
  return builtin.split("\n").some((line) => line === `${name}.ko` || line.endsWith(`/${name}.ko`));
}
