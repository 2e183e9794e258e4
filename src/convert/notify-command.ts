// notify_master / notify_backup / notify_fault / notify_stop / notify: `COMMAND [username [groupname]]`, where
// COMMAND is one word or a quoted string with its arguments. A user turns it into vipd's {command, user, group}.

import type { ConvertContext } from "./convert-context.ts";
import type { TomlSection } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { firstArg } from "./values.ts";

export const NOTIFY_KEYWORDS = ["notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"];

export function mapNotify(ctx: ConvertContext, section: TomlSection, node: ConfNode): void {
  const command = firstArg(ctx, node, "a command line");
  if (command === null) return;
  const [user, group, ...extra] = node.args.slice(1);
  if (extra.length > 0) {
    ctx.error(node, `${node.keyword}: too many words after the command (quote a command that has arguments)`);
    return;
  }
  if (user === undefined) section.set(node.keyword, command);
  else section.set(node.keyword, group === undefined ? { command, user } : { command, user, group });
}
