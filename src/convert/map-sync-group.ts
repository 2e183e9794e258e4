// vrrp_sync_group → [sync_groups.NAME]. Members come only from `group { }`: keepalived 2.2.7 rejects the
// legacy form with member names straight in the block as unknown keywords, and so does the conversion.

import type { ConvertContext } from "./convert-context.ts";
import { blockName } from "./map-scripts.ts";
import { mapNotify, NOTIFY_KEYWORDS } from "./notify-command.ts";
import type { TomlDocument, TomlSection } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { SYNC_GROUP_UNSUPPORTED } from "./unsupported-keywords.ts";
import { boolArg } from "./values.ts";
import { walkBlock, type Handler } from "./walk-block.ts";

export interface SyncGroupInfo {
  name: string;
  node: ConfNode;
  section: TomlSection;
  /** Member names with where each was written. */
  members: { name: string; node: ConfNode }[];
}

export function mapSyncGroup(ctx: ConvertContext, doc: TomlDocument, node: ConfNode): SyncGroupInfo | null {
  const name = blockName(ctx, node);
  if (name === null) return null;
  const section = doc.table(["sync_groups", name]);
  const info: SyncGroupInfo = { name, node, section, members: [] };
  const handlers: Record<string, Handler> = {
    group: (n) => {
      for (const child of n.children ?? []) {
        info.members.push({ name: child.keyword, node: child });
        for (const extra of child.args) info.members.push({ name: extra, node: child });
      }
      section.set(
        "group",
        info.members.map((m) => m.name),
      );
    },
    smtp_alert: (n) => {
      const value = boolArg(ctx, n);
      if (value !== null) section.set("smtp_alert", value);
    },
    sync_group_tracking_weight: () => section.set("sync_group_tracking_weight", true),
    global_tracking: (n) => {
      section.set("sync_group_tracking_weight", true);
      ctx.warnAfter(
        section,
        "sync_group_tracking_weight",
        n,
        "deprecated in keepalived; it kept the members' tracking weights, as sync_group_tracking_weight does",
      );
    },
    ...Object.fromEntries(NOTIFY_KEYWORDS.map((k) => [k, (n: ConfNode) => mapNotify(ctx, section, n)])),
  };
  const children = node.children!;
  walkBlock(ctx, section, children, handlers, SYNC_GROUP_UNSUPPORTED);
  if (!section.has("group")) {
    const comments = doc.dropTable(section);
    ctx.warn(comments, node, `${name} has no group { } block: keepalived 2.2.7 has no members for it and drops it, so does the conversion`);
    return null;
  }
  return info;
}
