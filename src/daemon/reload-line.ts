// The line a reload ends with: which instances were kept (and of those, which were renamed or changed), added and
// removed. keepalived only says "Reloading"; an operator wants to see that the edit took.

import type { VipdConfig } from "../config/schema.ts";
import type { ReconfigureSummary } from "../vrrp/node.ts";

/** "reloaded: 2 kept (changed VI_1; renamed A → B), 1 added (VI_3), 0 removed". */
export function reloadLine(summary: ReconfigureSummary, before: VipdConfig, after: VipdConfig): string {
  // Where the VIPs were written (for messages) is no change of the instance.
  const section = (config: VipdConfig, name: string) =>
    JSON.stringify(config.instances.find((i) => i.name === name) ?? null, (key, value) =>
      key === "virtualIpaddressAt" ? undefined : value,
    );
  const renamed = summary.kept.filter((k) => k.from !== k.to).map((k) => `${k.from} → ${k.to}`);
  // A renamed instance differs in its name alone when nothing else changed (the name is also in the key paths the
  // section keeps for messages): compare without it.
  const changed = summary.kept
    .filter(
      (k) => section(before, k.from).replaceAll(JSON.stringify(k.from), "") !== section(after, k.to).replaceAll(JSON.stringify(k.to), ""),
    )
    .map((k) => k.to);
  const keptDetail = [changed.length ? `changed ${changed.join(", ")}` : "", renamed.length ? `renamed ${renamed.join(", ")}` : ""]
    .filter((d) => d)
    .join("; ");
  const list = (names: string[]) => (names.length ? ` (${names.join(", ")})` : "");
  return `reloaded: ${summary.kept.length} kept${keptDetail ? ` (${keptDetail})` : ""}, ${summary.added.length} added${list(summary.added)}, ${summary.removed.length} removed${list(summary.removed)}`;
}
