// garp_group { garp_interval S  gna_interval S  interface IF  interfaces { IF ... } } → an entry of [global]
// garp_group. keepalived spaces the messages of a group's interfaces together; vipd spaces them per interface.

import type { ConvertContext } from "./convert-context.ts";
import type { TomlSection, TomlValue } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { decimalArg, firstArg, numberValue } from "./values.ts";
import { unknownKeyword } from "./walk-block.ts";

/** As vipd's garp_interval / gna_interval. */
const MAX_INTERVAL_S = 10;

export function mapGarpGroup(ctx: ConvertContext, global: TomlSection, node: ConfNode): void {
  const group: { [key: string]: TomlValue } = {};
  const interfaces: string[] = [];
  for (const child of node.children ?? []) {
    switch (child.keyword) {
      case "garp_interval":
      case "gna_interval": {
        const value = decimalArg(ctx, child, 0, MAX_INTERVAL_S);
        if (value !== null) group[child.keyword] = numberValue(value);
        break;
      }
      case "interface": {
        const ifname = firstArg(ctx, child, "an interface name");
        if (ifname !== null) interfaces.push(ifname);
        break;
      }
      case "interfaces":
        for (const item of child.children ?? []) interfaces.push(item.keyword, ...item.args);
        break;
      default:
        unknownKeyword(ctx, global, child);
    }
  }
  if (group.garp_interval === undefined && group.gna_interval === undefined) {
    ctx.warn(global, node, "without garp_interval or gna_interval: keepalived removes it, left out");
    return;
  }
  if (interfaces.length === 0) {
    ctx.warn(global, node, "without interfaces: it applies to nothing, left out");
    return;
  }
  if (interfaces.length > 1) {
    ctx.warn(global, node, "keepalived spaced the messages of these interfaces together, vipd spaces them per interface");
  }
  const before = global.get("garp_group");
  global.set("garp_group", [...(Array.isArray(before) ? before : []), { interfaces, ...group }]);
}
