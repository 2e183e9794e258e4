// vrrp_script → [scripts.NAME] and track_file / vrrp_track_file → [track_files.NAME].

import { MAX_SCRIPT_COUNT, MAX_SCRIPT_SECONDS } from "../config/script-section.ts";
import { TRACK_FILE, TRACK_SCRIPT } from "../config/track-refs.ts";
import type { ConvertContext } from "./convert-context.ts";
import type { TomlDocument, TomlSection } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { decimalArg, firstArg, intArg, numberValue } from "./values.ts";
import { walkBlock, type Handler } from "./walk-block.ts";

/** keepalived reads the file as a signed 32-bit number. */
const MAX_FILE_VALUE = 2147483647;

/** The block's name, or an error when it has none. */
export function blockName(ctx: ConvertContext, node: ConfNode): string | null {
  const name = node.args[0];
  if (name === undefined) {
    ctx.error(node, `${node.keyword}: missing name`);
    return null;
  }
  if (node.children === null) {
    ctx.error(node, `${node.keyword} ${name}: missing '{' block`);
    return null;
  }
  return name;
}

/** `weight N [reverse]` as in vrrp_script and track_file. */
export function weightLine(ctx: ConvertContext, section: TomlSection, node: ConfNode, max: number): void {
  const weight = intArg(ctx, node, -max, max);
  if (weight === null) return;
  section.set("weight", weight);
  const flag = node.args[1];
  if (flag === "reverse") section.set("reverse", true);
  else if (flag !== undefined && flag !== "noreverse" && flag !== "no_reverse") {
    ctx.warn(section, node, `'${flag}' after the weight: unknown word, ignored`);
  }
}

/** Returns the script's name when a [scripts.NAME] table was written (keepalived drops a script without `script`). */
export function mapVrrpScript(ctx: ConvertContext, doc: TomlDocument, node: ConfNode): string | null {
  const name = blockName(ctx, node);
  if (name === null) return null;
  const section = doc.table(["scripts", name]);
  const handlers: Record<string, Handler> = {
    script: (n) => {
      if (firstArg(ctx, n, "a command line") === null) return;
      const command = n.args.join(" ");
      if (!command.startsWith("<")) {
        section.set("script", command);
        return;
      }
      // keepalived 2.2.7 runs a bare redirection such as "</dev/tcp/HOST/PORT" through /bin/sh; vipd uses no shell.
      section.set("script", `/bin/sh -c '${command.replaceAll("'", "'\\''")}'`);
      ctx.warnAfter(
        section,
        "script",
        n,
        "a shell redirection: keepalived 2.2.7 ran it with /bin/sh, written as /bin/sh -c (/dev/tcp needs bash)",
      );
    },
    interval: (n) => {
      const value = decimalArg(ctx, n, 0.01, MAX_SCRIPT_SECONDS);
      if (value !== null) section.set("interval", numberValue(value));
    },
    timeout: (n) => {
      const value = decimalArg(ctx, n, 0.01, MAX_SCRIPT_SECONDS);
      if (value !== null) section.set("timeout", numberValue(value));
    },
    weight: (n) => weightLine(ctx, section, n, TRACK_SCRIPT.maxWeight),
    rise: (n) => {
      const value = intArg(ctx, n, 1, MAX_SCRIPT_COUNT);
      if (value !== null) section.set("rise", value);
    },
    fall: (n) => {
      const value = intArg(ctx, n, 1, MAX_SCRIPT_COUNT);
      if (value !== null) section.set("fall", value);
    },
    user: (n) => {
      if (firstArg(ctx, n, "a user name") !== null) section.set("user", n.args.slice(0, 2).join(" "));
    },
    init_fail: () => section.set("init_fail", true),
  };
  walkBlock(ctx, section, node.children!, handlers, {});
  if (!section.has("script")) {
    ctx.warn(doc.dropTable(section), node, `${name} has no script: keepalived 2.2.7 removes it ("No script set"), so does the conversion`);
    return null;
  }
  return name;
}

export function mapTrackFile(ctx: ConvertContext, doc: TomlDocument, node: ConfNode): string | null {
  const name = blockName(ctx, node);
  if (name === null) return null;
  const section = doc.table(["track_files", name]);
  if (node.keyword === "vrrp_track_file") {
    section.comment(`${ctx.where(node)}: vrrp_track_file is keepalived's deprecated spelling of track_file`);
  }
  const handlers: Record<string, Handler> = {
    file: (n) => {
      if (firstArg(ctx, n, "a file path") !== null) section.set("file", n.args.join(" "));
    },
    weight: (n) => {
      const word = n.args[0];
      const value = word !== undefined && /^[+-]?\d+$/.test(word) ? Number(word) : null;
      if (value !== null && Math.abs(value) > TRACK_FILE.maxWeight && Math.abs(value) <= MAX_FILE_VALUE) {
        const clamped = Math.sign(value) * TRACK_FILE.maxWeight;
        ctx.warn(section, n, `weight ${value} is beyond vipd's range (±${TRACK_FILE.maxWeight}); written as ${clamped}`, true);
        section.set("weight", clamped);
        if (n.args[1] === "reverse") section.set("reverse", true);
        return;
      }
      weightLine(ctx, section, n, TRACK_FILE.maxWeight);
    },
    init_file: (n) => {
      const words = [...n.args];
      const overwrite = words[words.length - 1] === "overwrite";
      if (overwrite) words.pop();
      const value = words[0] === undefined ? 0 : intArg(ctx, n, -MAX_FILE_VALUE, MAX_FILE_VALUE, words[0]);
      if (value === null) return;
      section.set("init_file", overwrite ? { value, overwrite: true } : value);
    },
  };
  walkBlock(ctx, section, node.children!, handlers, {});
  if (!section.has("file")) {
    ctx.warn(doc.dropTable(section), node, `${name} has no file: keepalived 2.2.7 does not track it, so it is left out`);
    return null;
  }
  return name;
}
