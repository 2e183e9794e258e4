// vrrp_track_process → [track_processes.NAME], with keepalived 2.2.7's reading of its keywords: parameters after
// the process name (or param_match) compare the command line, an exact match unless told otherwise.

import { TRACK_PROCESS } from "../config/track-refs.ts";
import type { ConvertContext } from "./convert-context.ts";
import { blockName } from "./map-scripts.ts";
import type { TomlDocument } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { decimalArg, firstArg, intArg, numberValue } from "./values.ts";
import { walkBlock, type Handler } from "./walk-block.ts";

const MAX_QUORUM = 65535;
const MAX_DELAY_S = 3600;

/** Returns the name when a [track_processes.NAME] table was written (keepalived drops one without a process). */
export function mapTrackProcess(ctx: ConvertContext, doc: TomlDocument, node: ConfNode): string | null {
  const name = blockName(ctx, node);
  if (name === null) return null;
  const section = doc.table(["track_processes", name]);
  const seconds = (key: string) => (n: ConfNode) => {
    const value = decimalArg(ctx, n, 0.000001, MAX_DELAY_S);
    if (value !== null) section.set(key, numberValue(value));
  };
  const handlers: Record<string, Handler> = {
    process: (n) => {
      if (firstArg(ctx, n, "a process name") === null) return;
      section.set("process", n.args[0]!);
      if (n.args.length > 1) section.set("parameters", n.args.slice(1));
    },
    param_match: (n) => {
      const word = n.args[0] ?? "exact";
      if (word !== "initial" && word !== "partial") {
        // keepalived: a bare param_match is exact; any other word is an error it ignores.
        if (n.args[0] !== undefined) ctx.error(n, `param_match: '${word}' is neither initial nor partial`);
        else section.set("param_match", "exact");
        return;
      }
      section.set("param_match", word);
    },
    full_command: () => section.set("full_command", true),
    weight: (n) => {
      const weight = intArg(ctx, n, -TRACK_PROCESS.maxWeight, TRACK_PROCESS.maxWeight);
      if (weight === null) return;
      section.set("weight", weight);
      if (n.args[1] === "reverse") section.set("reverse", true);
      else if (n.args[1] !== undefined) ctx.warn(section, n, `'${n.args[1]}' after the weight: unknown word, ignored`);
    },
    quorum: (n) => {
      const value = intArg(ctx, n, 1, MAX_QUORUM);
      if (value !== null) section.set("quorum", value);
    },
    quorum_max: (n) => {
      const value = intArg(ctx, n, 0, MAX_QUORUM);
      if (value !== null) section.set("quorum_max", value);
    },
    delay: seconds("delay"),
    fork_delay: seconds("fork_delay"),
    terminate_delay: seconds("terminate_delay"),
  };
  walkBlock(ctx, section, node.children!, handlers, {});
  if (!section.has("process")) {
    ctx.warn(
      doc.dropTable(section),
      node,
      `${name} has no process: keepalived 2.2.7 removes it ("process name not specified"), so does the conversion`,
    );
    return null;
  }
  return name;
}
