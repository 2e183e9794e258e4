// The rows `vipd convert` writes for real servers without a checker (`real_servers = [ { address = "…", port =
// 80, weight = 1 }, … ]`), read with one regular expression instead of Bun's TOML parser. A start of 1,000 virtual
// servers × 10 real servers spent most of its parsing in those rows: on a host, under the daemon's runtime settings,
// Bun's parser took ≈ 30 ms over the 1,000 pieces, these rows plus the parser over the rest ≈ 8 ms (≈ 12× both
// under the test VM's emulation).
//
// Only a block that reads exactly as below is taken; anything else (another key, a comment, any character an
// address is not written with, other spacing, a number with a sign, underscores or more than 15 digits) leaves
// the text to the parser whole. The block is replaced by `real_servers = []` and as many newlines, so that the
// parser still sees the key once (a second definition of it is still its error) and every other line where it was.

import type { TomlTable } from "./table-reader.ts";

export interface TakenRows {
  /** The text with the rows' block replaced by an empty list. */
  text: string;
  /** The rows, as the parser would have read them. */
  rows: TomlTable[];
}

/**
 * `real_servers = [` on a line of its own, before any header other than the text's first line (the virtual
 * server's own header): after another header the key would belong to that table.
 */
const BLOCK_START = /^real_servers = \[\n/m;
const LATER_HEADER = /\n[ \t]*\[/;
/**
 * An address of the characters addresses are written with (no escape, no control character); a TOML 1.0 decimal
 * integer that is exact as a number.
 */
const ROW = /[ \t]*\{ address = "([0-9A-Za-z.:%_-]*)", port = (0|[1-9][0-9]{0,14}), weight = (0|[1-9][0-9]{0,14}) \}(,?)\n/y;
const BLOCK_END = /[ \t]*\][ \t]*(?:\n|$)/y;

/** The rows of `text` (one virtual server's piece, its header first) taken out, or null to leave it all to the parser. */
export function takeRealServerRows(text: string): TakenRows | null {
  const start = BLOCK_START.exec(text);
  if (start === null) return null;
  const firstLineEnd = text.indexOf("\n");
  if (start.index <= firstLineEnd) return null;
  const before = text.slice(firstLineEnd, start.index);
  if (LATER_HEADER.test(before)) return null;
  const rows: TomlTable[] = [];
  let at = start.index + start[0].length;
  let comma = true;
  for (let guard = 0; guard < 1_000_000; guard++) {
    ROW.lastIndex = at;
    const row = ROW.exec(text);
    if (row === null) break;
    // Two elements need a comma between them; after the last one it may stand or not.
    if (!comma) return null;
    rows.push({ address: row[1], port: Number(row[2]), weight: Number(row[3]) });
    comma = row[4] === ",";
    at = ROW.lastIndex;
  }
  BLOCK_END.lastIndex = at;
  if (rows.length === 0 || !BLOCK_END.test(text)) return null;
  const end = BLOCK_END.lastIndex;
  const newlines = 1 + rows.length + (text[end - 1] === "\n" ? 1 : 0);
  return { text: `${text.slice(0, start.index)}real_servers = []${"\n".repeat(newlines)}${text.slice(end)}`, rows };
}
