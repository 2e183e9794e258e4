// What the mapping functions share: the output document, the findings (warnings with their place, errors), and
// the helpers that report a keyword both on stderr and as a comment where it stood.

import { basename } from "node:path";
import type { TomlDocument, TomlSection } from "./toml-writer.ts";
import type { ConfNode, Diagnostic } from "./types.ts";

export interface Finding {
  file: string;
  line: number;
  keyword: string;
  message: string;
  /** Losing it changes failover or traffic behaviour: exit 1 unless --allow-partial. */
  lossy: boolean;
}

/** `FILE:LINE: keyword: message` (the keyword is empty for the reader's own warnings). */
export function formatFinding(f: Finding, file = f.file): string {
  const where = f.line > 0 ? `${file}:${f.line}` : file;
  return f.keyword === "" ? `${where}: ${f.message}` : `${where}: ${f.keyword}: ${f.message}`;
}

export class ConvertContext {
  readonly findings: Finding[] = [];
  readonly errors: Diagnostic[] = [];

  constructor(
    readonly doc: TomlDocument,
    /** The file given on the command line; comments name other (included) files explicitly. */
    readonly entry: string,
  ) {}

  /** Where a node stood, as a comment prefix: "keepalived line 12" or "keepalived other.conf:12". */
  where(node: { file: string; line: number }): string {
    return node.file === this.entry ? `keepalived line ${node.line}` : `keepalived ${basename(node.file)}:${node.line}`;
  }

  /** A warning on stderr and the same text as a comment in `section`. */
  warn(section: TomlSection | null, node: ConfNode, message: string, lossy = false, keyword = node.keyword): void {
    this.findings.push({ file: node.file, line: node.line, keyword, message, lossy });
    section?.comment(`${this.where(node)}: ${keyword}: ${message}`);
  }

  /** keepalived accepts it, vipd has nothing like it. */
  unsupported(section: TomlSection | null, node: ConfNode, did: string, lossy: boolean, keyword = node.keyword): void {
    this.warn(section, node, `not supported by vipd (${did})`, lossy, keyword);
  }

  /** A warning whose comment goes right after an already written key. */
  warnAfter(section: TomlSection, key: string, node: ConfNode, message: string, lossy = false, keyword = node.keyword): void {
    this.findings.push({ file: node.file, line: node.line, keyword, message, lossy });
    section.commentAfter(key, `${this.where(node)}: ${keyword}: ${message}`);
  }

  /** Findings in file order (keepalived's own adjustments are found after the block is read). */
  sortedFindings(): Finding[] {
    const files: string[] = [];
    for (const f of this.findings) if (!files.includes(f.file)) files.push(f.file);
    return this.findings
      .map((f, i) => ({ f, i }))
      .sort((a, b) => files.indexOf(a.f.file) - files.indexOf(b.f.file) || a.f.line - b.f.line || a.i - b.i)
      .map((x) => x.f);
  }

  error(node: { file: string; line: number }, message: string): void {
    this.errors.push({ file: node.file, line: node.line, message });
  }
}
