// vipd.toml(5), generated from config.toml.example: its comments are the documentation of every key, so the man
// page says exactly what the example says. Comment prose becomes paragraphs, `[table]` lines sections, and each
// key (set, or shown commented out as `# key = value`) an item with its trailing comment.

import { roffArg, roffLiteral, roffText } from "./roff.ts";

const TABLE = /^\[([a-z_]+)(?:\.([A-Za-z0-9_]+))?\]\s*$/;
const KEY = /^(#\s*)?([a-z][a-z0-9_]*)\s*=\s*(.*)$/;

interface Block {
  kind: "prose" | "key" | "table" | "continuation";
  text: string;
  comment?: string;
}

/** Splits `value   # comment` at the first # outside a string. */
function splitComment(rest: string): { value: string; comment: string } {
  let quote: string | null = null;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (quote !== null) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return { value: rest.slice(0, i).trimEnd(), comment: rest.slice(i + 1).trim() };
  }
  return { value: rest.trimEnd(), comment: "" };
}

function classify(line: string): Block | null {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed === "#") return null;
  const table = TABLE.exec(trimmed);
  if (table) return { kind: "table", text: trimmed };
  const key = KEY.exec(trimmed);
  if (key) {
    const { value, comment } = splitComment(key[3]!);
    return { kind: "key", text: `${key[2]} = ${value}`, comment };
  }
  if (trimmed.startsWith("#")) return { kind: "prose", text: trimmed.replace(/^#\s?/, "") };
  return { kind: "continuation", text: trimmed };
}

function sectionTitle(table: string): string {
  const m = TABLE.exec(table)!;
  return m[2] === undefined ? `[${m[1]}]` : `[${m[1]}.NAME]`;
}

export function configManPage(example: string, version: string): string {
  const lines = example.split("\n");
  const out = [
    `.TH VIPD.TOML 5 "" ${roffArg(`vipd ${version}`)} "File Formats"`,
    ".nh",
    ".SH NAME",
    "vipd.toml \\- vipd configuration file",
  ];
  out.push(".SH SYNOPSIS", ".I /etc/vipd/config.toml", ".SH DESCRIPTION");
  // The header comment (up to the first table) is the description.
  let i = 0;
  for (; i < lines.length && !TABLE.test(lines[i]!.trim()); i++) {
    const block = classify(lines[i]!);
    if (block === null) out.push(".PP");
    else out.push(roffText(block.kind === "prose" ? block.text : lines[i]!.trim()));
  }
  const seenSections = new Set<string>();
  let prose: string[] = [];
  // Keys that follow one another with no comment of their own share the item (and description) of the first.
  let item: { keys: string[]; body: string[] } | null = null;
  const flush = () => {
    if (item !== null)
      out.push(
        ".TP",
        ...item.keys.flatMap((k, n) => (n === 0 ? [k] : [".TQ", k])),
        ...(item.body.length > 0 ? item.body : ["(no description)"]),
      );
    item = null;
    if (prose.length > 0) out.push(".PP", ...prose.map(roffText));
    prose = [];
  };
  for (; i < lines.length; i++) {
    const block = classify(lines[i]!);
    if (block === null) continue;
    if (block.kind === "table") {
      const title = sectionTitle(block.text);
      if (seenSections.has(title)) {
        // Another table of a kind already described: shown as it is written.
        flush();
        const table = [block.text];
        while (i + 1 < lines.length && !TABLE.test(lines[i + 1]!.trim())) table.push(lines[++i]!);
        while (table.at(-1)?.trim() === "") table.pop();
        out.push(".PP", "Another example:", ...roffLiteral(table));
        continue;
      }
      const heading = prose;
      prose = [];
      flush();
      seenSections.add(title);
      out.push(
        ".SH",
        roffText(title),
        ...(heading.length > 0 ? [".PP", ...heading.map(roffText)] : []),
        ".PP",
        `Example: ${roffText(block.text)}`,
      );
    } else if (block.kind === "prose") {
      if (item !== null) flush();
      prose.push(block.text);
    } else if (block.kind === "key") {
      const tag = `\\fB${roffText(block.text)}\\fR`;
      if (item !== null && prose.length === 0 && block.comment === "") item.keys.push(tag);
      else {
        const body = [...prose, block.comment ?? ""].filter((t) => t !== "").map(roffText);
        prose = [];
        flush();
        item = { keys: [tag], body };
      }
      // A value spread over lines (an array) follows as an excerpt.
      const continued: string[] = [];
      while (i + 1 < lines.length && classify(lines[i + 1]!)?.kind === "continuation") continued.push(lines[++i]!.trim());
      if (continued.length > 0) item!.body.push(...roffLiteral(continued));
    } else {
      flush();
      out.push(...roffLiteral([block.text]));
    }
  }
  flush();
  out.push(
    ".SH FILES",
    ".I /usr/share/doc/vipd/config.toml.example",
    "\\(em the example this page is made from.",
    ".SH SEE ALSO",
    ".BR vipd (8),",
    ".BR keepalived.conf (5)",
    "",
  );
  return out.join("\n");
}
