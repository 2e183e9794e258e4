// interface_up_down_delays { IFNAME DOWN [UP] } → [global] interface_up_down_delays = { IFNAME = { down, up } }.

import { MAX_LINK_DELAY_S } from "../config/link-delays.ts";
import type { ConvertContext } from "./convert-context.ts";
import type { TomlSection, TomlValue } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { decimalArg, numberValue } from "./values.ts";

export function mapLinkDelays(ctx: ConvertContext, global: TomlSection, node: ConfNode): void {
  const before = global.get("interface_up_down_delays");
  const delays: { [ifname: string]: TomlValue } = before && typeof before === "object" && !Array.isArray(before) ? { ...before } : {};
  for (const child of node.children ?? []) {
    if (child.args.length === 0) {
      // keepalived: "No timeouts specified", and the interface keeps none.
      ctx.warn(global, child, "interface_up_down_delays: no delays given, ignored (as keepalived does)");
      continue;
    }
    if (child.args.length > 2) ctx.warn(global, child, "interface_up_down_delays: words after DOWN UP are ignored (as keepalived does)");
    const down = decimalArg(ctx, child, 0, MAX_LINK_DELAY_S, child.args[0]);
    const up = child.args[1] === undefined ? 0 : decimalArg(ctx, child, 0, MAX_LINK_DELAY_S, child.args[1]);
    if (down === null || up === null) continue;
    delays[child.keyword] = { down: numberValue(down), up: numberValue(up) };
  }
  if (Object.keys(delays).length > 0) global.set("interface_up_down_delays", delays);
}
