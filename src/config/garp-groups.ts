// keepalived's garp_group: per interface, the spacing of gratuitous ARPs (garp_interval) and unsolicited neighbour
// adverts (gna_interval), instead of [global]'s. In vipd's TOML, a list in [global]:
// garp_group = [{ interfaces = ["eth1", "eth2"], garp_interval = 0.01, gna_interval = 0.01 }].

import type { GarpGroup } from "./schema.ts";
import { TableReader, type TomlTable } from "./table-reader.ts";

const GROUP_KEYS = ["interfaces", "garp_interval", "gna_interval"];
/** As [global]'s garp_interval / gna_interval. */
const MAX_INTERVAL_S = 10;

export function readGarpGroups(r: TableReader): GarpGroup[] {
  const groups: GarpGroup[] = [];
  const owner = new Map<string, number>();
  r.list("garp_group", "a list of tables {interfaces, garp_interval, gna_interval}").forEach((item, i) => {
    const at = r.at("garp_group").concat(i);
    if (typeof item !== "object" || item === null || Array.isArray(item) || item instanceof Date) {
      r.problems.error(at, "must be a table {interfaces, garp_interval, gna_interval}");
      return;
    }
    const g = new TableReader(r.problems, at, item as TomlTable, GROUP_KEYS);
    if (!g.has("interfaces")) g.missing("interfaces", "a list of interface names");
    if (!g.has("garp_interval") && !g.has("gna_interval")) {
      // keepalived removes such a group with an error.
      r.problems.error(at, "sets neither garp_interval nor gna_interval");
    }
    const interfaces: string[] = [];
    for (const { value, path } of g.stringList("interfaces", "interface names")) {
      const first = owner.get(value);
      if (first !== undefined) r.problems.error(path, `${value} is already in garp_group[${first}]`);
      else {
        owner.set(value, i);
        interfaces.push(value);
      }
    }
    groups.push({
      interfaces,
      garpIntervalMs: g.has("garp_interval") ? g.seconds("garp_interval", 0, MAX_INTERVAL_S, 0) : null,
      gnaIntervalMs: g.has("gna_interval") ? g.seconds("gna_interval", 0, MAX_INTERVAL_S, 0) : null,
    });
  });
  return groups;
}

/** The spacing of announcements on `ifname` for a family: its group's, else [global]'s. */
export function announceIntervalMs(
  global: { garpIntervalMs: number; gnaIntervalMs: number; garpGroups: readonly GarpGroup[] },
  ifname: string,
  family: 4 | 6,
): number {
  const group = global.garpGroups.find((g) => g.interfaces.includes(ifname));
  const own = family === 4 ? group?.garpIntervalMs : group?.gnaIntervalMs;
  return own ?? (family === 4 ? global.garpIntervalMs : global.gnaIntervalMs);
}
