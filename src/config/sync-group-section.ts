// [sync_groups.NAME]: instances that change state together (keepalived's vrrp_sync_group).

import { NOTIFY_KEYS, readNotify } from "./commands.ts";
import type { Problems } from "./config-error.ts";
import type { PathSegment } from "./key-path.ts";
import type { GlobalConfig, SyncGroupSection } from "./schema.ts";
import { TableReader, type TomlTable } from "./table-reader.ts";

export const SYNC_GROUP_KEYS = ["group", ...NOTIFY_KEYS, "smtp_alert", "sync_group_tracking_weight"];

export interface SyncGroupRead {
  group: SyncGroupSection;
  /** Where each member name was written. */
  memberAt: PathSegment[][];
}

export function readSyncGroup(problems: Problems, name: string, table: TomlTable, global: GlobalConfig): SyncGroupRead {
  const r = new TableReader(problems, ["sync_groups", name], table, SYNC_GROUP_KEYS);
  if (!r.has("group")) r.missing("group", "a list of instance names");
  const members = r.stringList("group", "instance names");
  if (Array.isArray(table.group) && table.group.length === 0) {
    problems.error(r.at("group"), "is empty; list the instance names of the group");
  }
  const group: SyncGroupSection = {
    name,
    group: members.map((m) => m.value),
    notify: readNotify(r),
    smtpAlert: r.bool("smtp_alert", global.smtpAlert),
    syncGroupTrackingWeight: r.bool("sync_group_tracking_weight", false),
  };
  return { group, memberAt: members.map((m) => m.path) };
}
