// notify_master / notify_backup / notify_fault / notify_stop / notify (and the other programs keepalived runs:
// startup_script, shutdown_script, notify_fifo_script): `COMMAND [username [groupname]]`, where
// COMMAND is one word or a quoted string with its arguments. A user turns it into vipd's {command, user, group}.

import type { ConvertContext } from "./convert-context.ts";
import type { TomlSection, TomlValue } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { firstArg } from "./values.ts";

export const NOTIFY_KEYWORDS = ["notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"];

export function mapNotify(ctx: ConvertContext, section: TomlSection, node: ConfNode): void {
  const value = commandValue(ctx, node);
  if (value !== null) section.set(node.keyword, value);
}

/** A program written `COMMAND [username [groupname]]` (notify_*, startup_script, notify_fifo_script...) as vipd's value. */
export function commandValue(ctx: ConvertContext, node: ConfNode): TomlValue | null {
  const command = firstArg(ctx, node, "a command line");
  if (command === null) return null;
  const [user, group, ...extra] = node.args.slice(1);
  if (extra.length > 0) {
    ctx.error(node, `${node.keyword}: too many words after the command (quote a command that has arguments)`);
    return null;
  }
  if (user === undefined) return command;
  return group === undefined ? { command, user } : { command, user, group };
}
