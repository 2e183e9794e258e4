// Dispatches the statements of one keepalived block to their handlers; what has no handler is reported, as
// unsupported when keepalived knows it, as unknown otherwise (keepalived ignores unknown keywords too).

import type { ConvertContext } from "./convert-context.ts";
import type { TomlSection } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import type { Unsupported } from "./unsupported-keywords.ts";

export type Handler = (node: ConfNode) => void;

export function walkBlock(
  ctx: ConvertContext,
  section: TomlSection | null,
  children: ConfNode[],
  handlers: Record<string, Handler>,
  unsupported: Record<string, Unsupported>,
): void {
  for (const node of children) {
    const handler = Object.hasOwn(handlers, node.keyword) ? handlers[node.keyword] : undefined;
    if (handler) {
      handler(node);
      continue;
    }
    const known = Object.hasOwn(unsupported, node.keyword) ? unsupported[node.keyword] : undefined;
    if (known) ctx.unsupported(section, node, known.did, known.lossy);
    else unknownKeyword(ctx, section, node);
  }
}

export function unknownKeyword(ctx: ConvertContext, section: TomlSection | null, node: ConfNode): void {
  ctx.warn(section, node, 'unknown keyword, ignored (keepalived 2.2.7 ignores it too: "Unknown keyword")');
}
