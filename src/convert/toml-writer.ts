// A small TOML document model that keeps comments where they were put, since @iarna/toml's stringify cannot
// emit comments. Values are formatted by @iarna/toml, so quoting and escaping stay its job.

import TOML from "@iarna/toml";
import { BARE_KEY } from "../config/key-path.ts";

export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };

type Item =
  | { kind: "key"; key: string; value: TomlValue; comment: string | null }
  | { kind: "comment"; text: string }
  | { kind: "rows"; key: string; rows: Record<string, TomlValue>[] };

/** A key as TOML wants it: bare when it can be, quoted otherwise. */
export function formatKey(key: string): string {
  return BARE_KEY.test(key) ? key : TOML.stringify.value(key);
}

/** Integers without @iarna/toml's digit grouping (1358, not 1_358); inline tables with their values formatted so. */
export function formatValue(value: TomlValue): string {
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  if (typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${formatKey(k)} = ${formatValue(v)}`);
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
  }
  return TOML.stringify.value(value);
}

/** A `[a.b]` table, or a block of comments between tables when `path` is null. */
export class TomlSection {
  private readonly items: Item[] = [];

  constructor(
    readonly path: string[] | null,
    /** An element of an array of tables: `[[a.b]]`. */
    readonly arrayElement = false,
  ) {}

  has(key: string): boolean {
    return this.items.some((i) => i.kind === "key" && i.key === key);
  }

  get(key: string): TomlValue | undefined {
    const item = this.items.find((i) => i.kind === "key" && i.key === key);
    return item?.kind === "key" ? item.value : undefined;
  }

  /** Sets a key; a key set again keeps its first place (keepalived: the last value wins). */
  set(key: string, value: TomlValue, comment: string | null = null): void {
    const item = this.items.find((i) => i.kind === "key" && i.key === key);
    if (item?.kind === "key") {
      item.value = value;
      item.comment = comment ?? item.comment;
    } else {
      this.items.push({ kind: "key", key, value, comment });
    }
  }

  /** The keys and values, in order. */
  entries(): [string, TomlValue][] {
    return this.items.flatMap((i) => (i.kind === "key" ? [[i.key, i.value] as [string, TomlValue]] : []));
  }

  delete(key: string): void {
    const index = this.items.findIndex((i) => i.kind === "key" && i.key === key);
    if (index >= 0) this.items.splice(index, 1);
  }

  comment(text: string): void {
    for (const line of text.split("\n")) this.items.push({ kind: "comment", text: line });
  }

  /** A comment right after a key (or at the end when the key is not there). */
  commentAfter(key: string, text: string): void {
    const index = this.items.findIndex((i) => i.kind === "key" && i.key === key);
    const lines: Item[] = text.split("\n").map((line) => ({ kind: "comment", text: line }));
    if (index < 0) this.items.push(...lines);
    else this.items.splice(index + 1, 0, ...lines);
  }

  /**
   * A list of tables written one inline table per line (`key = [` … `]`): the same value as `[[path.key]]`
   * tables, in less text, which Bun's parser reads faster.
   */
  setRows(key: string, rows: Record<string, TomlValue>[]): void {
    this.items.push({ kind: "rows", key, rows });
  }

  /** Whether a comment (a warning, a note) was put in the table. */
  get hasComments(): boolean {
    return this.items.some((i) => i.kind === "comment" || (i.kind === "key" && i.comment !== null));
  }

  commentLines(): string[] {
    return this.items.flatMap((i) => (i.kind === "comment" ? [i.text] : []));
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  render(): string {
    const lines: string[] = [];
    if (this.path !== null) {
      const name = this.path.map(formatKey).join(".");
      lines.push(this.arrayElement ? `[[${name}]]` : `[${name}]`);
    }
    for (const item of this.items) {
      if (item.kind === "comment") lines.push(item.text === "" ? "#" : `# ${item.text}`);
      else if (item.kind === "rows") {
        lines.push(`${formatKey(item.key)} = [`, ...item.rows.map((row) => `  ${formatValue(row)},`), "]");
      } else {
        const line = `${formatKey(item.key)} = ${formatValue(item.value)}`;
        lines.push(item.comment === null ? line : `${line}  # ${item.comment}`);
      }
    }
    return lines.join("\n");
  }
}

export class TomlDocument {
  readonly header: string[] = [];
  private readonly sections: TomlSection[] = [];

  table(path: string[]): TomlSection {
    const section = new TomlSection(path);
    this.sections.push(section);
    return section;
  }

  /** One more `[[path]]` element, after the tables already written. */
  arrayTable(path: string[]): TomlSection {
    const section = new TomlSection(path, true);
    this.sections.push(section);
    return section;
  }

  /** Comments standing between tables, e.g. for a keepalived block vipd has no table for. */
  comments(): TomlSection {
    const section = new TomlSection(null);
    this.sections.push(section);
    return section;
  }

  find(path: string[]): TomlSection | undefined {
    return this.sections.find((s) => s.path !== null && s.path.join("\0") === path.join("\0"));
  }

  /** The sections in the order they are written. */
  get written(): readonly TomlSection[] {
    return this.sections;
  }

  /** Takes sections out, their comments too (for those whose content is written elsewhere). */
  removeAll(gone: ReadonlySet<TomlSection>): void {
    const kept = this.sections.filter((s) => !gone.has(s));
    this.sections.splice(0, this.sections.length, ...kept);
  }

  /** Replaces a table that is not written after all by its comments, at the same place. */
  dropTable(section: TomlSection): TomlSection {
    const comments = new TomlSection(null);
    for (const text of section.commentLines()) comments.comment(text);
    const index = this.sections.indexOf(section);
    if (index >= 0) this.sections.splice(index, 1, comments);
    else this.sections.push(comments);
    return comments;
  }

  render(): string {
    const blocks = [this.header.map((h) => (h === "" ? "#" : `# ${h}`)).join("\n")];
    for (const section of this.sections) {
      if (section.path === null && section.isEmpty) continue;
      blocks.push(section.render());
    }
    return `${blocks.filter((b) => b !== "").join("\n\n")}\n`;
  }
}
