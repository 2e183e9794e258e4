// use_vmac [NAME] [MAC] and vmac_xmit_base → use_vmac / vmac_xmit_base, with keepalived 2.2.7's rules: a word
// with ':' is a MAC address (vipd always uses the RFC's virtual router MAC), any other word the interface name;
// vmac_xmit_base means nothing without use_vmac and is reset by vrrp_strict.

import type { ConvertContext } from "./convert-context.ts";
import type { TomlSection } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import type { Handler } from "./walk-block.ts";

const IFNAME = /^[^\s/:]{1,15}$/;

export function vmacHandlers(ctx: ConvertContext, section: TomlSection, nodes: Record<string, ConfNode>): Record<string, Handler> {
  return {
    use_vmac: (n) => {
      nodes.use_vmac = n;
      let name: string | null = null;
      for (const word of n.args.slice(0, 2)) {
        if (word.includes(":")) ctx.unsupported(section, n, `${word}: gave the VMAC another MAC than 00:00:5e:00:01:VRID`, true);
        else if (!IFNAME.test(word)) ctx.warn(section, n, `'${word}' is not a valid interface name; keepalived ignores it, so does vipd`);
        else name ??= word;
      }
      section.set("use_vmac", name ?? true);
    },
    vmac_xmit_base: (n) => {
      nodes.vmac_xmit_base = n;
      section.set("vmac_xmit_base", true);
    },
  };
}

/** After the block: vmac_xmit_base without use_vmac, or under vrrp_strict, is dropped as keepalived drops it. */
export function applyVmacRules(ctx: ConvertContext, section: TomlSection, nodes: Record<string, ConfNode>, strict: boolean): void {
  const xmitBase = nodes.vmac_xmit_base;
  if (!xmitBase) return;
  if (!nodes.use_vmac) {
    section.delete("vmac_xmit_base");
    ctx.warn(section, xmitBase, "only valid with use_vmac; keepalived ignores it, not written");
  } else if (strict) {
    section.delete("vmac_xmit_base");
    ctx.warn(section, xmitBase, "is incompatible with vrrp_strict; keepalived resets it, not written");
  }
}
