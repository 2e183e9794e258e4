// The base interfaces' ARP settings (and the namespace's igmp_link_local_mcast_reports, under NAMESPACE_ENTRY) as
// they were before vipd's VMACs changed them, kept in a file under /run so
// that a start after a crash restores the originals at stop (not the values the crashed run left). One file per
// network namespace (namespace-record.ts).

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Ipv4Settings } from "../adapters/macvlan-links.ts";
import type { Log } from "./log.ts";

export type SavedBaseSettings = Record<string, Partial<Ipv4Settings & { igmp_link_local_mcast_reports: number }>>;

/** The entry of namespace-wide settings: "/" is in no interface name. */
export const NAMESPACE_ENTRY = "/net/ipv4";

export interface BaseSettingsRecord {
  /** Per base interface name, the settings vipd changed and their values before; {} without a record. */
  load(): SavedBaseSettings;
  save(saved: SavedBaseSettings): void;
}

/** No record: a crash forgets the original values (tests of the manager alone). */
export const NO_BASE_RECORD: BaseSettingsRecord = { load: () => ({}), save: () => {} };

/** JSON, written to a temporary file and renamed: a crash leaves the old record or the new. */
export function baseSettingsFile(path: string, log: Log): BaseSettingsRecord {
  return {
    load() {
      try {
        const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as SavedBaseSettings;
        log.warn(`the record of base interface settings ${path} is not an object; starting without it`);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOENT") log.warn(`cannot read the record of base interface settings ${path} (${code ?? (e as Error).message})`);
      }
      return {};
    },
    save(saved) {
      try {
        // Nothing left to restore: no file left behind either.
        if (Object.keys(saved).length === 0) return rmSync(path, { force: true });
        mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
        writeFileSync(`${path}.tmp`, JSON.stringify(saved), { mode: 0o644 });
        renameSync(`${path}.tmp`, path);
      } catch (e) {
        log.error(`cannot record the base interface settings in ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    },
  };
}
