// keepalived's garp_extra_if [all] N (and its old spelling vmac_garp_intvl): periodic gratuitous ARPs while MASTER
// on the interfaces of VIPs other than the instance's own. Without "all" keepalived sends them only on VMAC
// interfaces, which vipd never creates: that is garp_extra_if = 0 (keepalived turns it off without VMACs too).

import { MAX_GARP_SECONDS } from "../config/global-section.ts";
import type { ConvertContext } from "./convert-context.ts";
import type { TomlSection } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { intArg } from "./values.ts";

export function mapGarpExtraIf(ctx: ConvertContext, section: TomlSection, node: ConfNode): void {
  const all = node.args.includes("all");
  const words = node.args.filter((w) => w !== "all");
  if (words.length !== 1) {
    ctx.error(node, `${node.keyword}: expected [all] SECONDS`);
    return;
  }
  const seconds = intArg(ctx, node, 1, MAX_GARP_SECONDS, words[0]);
  if (seconds === null) return;
  if (all) section.set("garp_extra_if", seconds);
  else section.set("garp_extra_if", 0, `${node.keyword} without "all": VMAC interfaces only, and vipd creates none`);
}
