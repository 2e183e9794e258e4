// Which IPVS services are vipd's, kept across a crash: the names (serviceKeyText) written to a file under /run.
// /run lives as long as the kernel's IPVS table (both go at reboot), so after a crash the next start knows which
// services it had set up, and removes those the configuration dropped meanwhile; the others it adopts.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Log } from "../daemon/log.ts";

export interface OwnedServices {
  /** The names recorded by the last run; empty when there is no record. */
  load(): string[];
  save(names: readonly string[]): void;
}

/** No record: ownership is the running process's own (a crash forgets the services it dropped while down). */
export const NO_RECORD: OwnedServices = { load: () => [], save: () => {} };

/** One name per line; written to a temporary file and renamed, so a crash leaves the old record or the new. */
export function ownedServicesFile(path: string, log: Log): OwnedServices {
  return {
    load() {
      try {
        return readFileSync(path, "utf8")
          .split("\n")
          .filter((line) => line !== "");
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOENT")
          log.warn(`IPVS: cannot read the record of vipd's services ${path} (${code ?? (e as Error).message}); starting without it`);
        return [];
      }
    },
    save(names) {
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
        writeFileSync(`${path}.tmp`, names.map((n) => `${n}\n`).join(""), { mode: 0o644 });
        renameSync(`${path}.tmp`, path);
      } catch (e) {
        log.error(`IPVS: cannot record vipd's services in ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    },
  };
}
