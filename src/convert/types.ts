// Shared shapes of the keepalived.conf reader: diagnostics, tokens, syntax tree.

export interface Diagnostic {
  file: string;
  line: number;
  message: string;
}

export type TokenKind = "word" | "open" | "close" | "eol";

export interface Token {
  kind: TokenKind;
  text: string;
  /** true when the word came from a "..." string, so "{" stays a word. */
  quoted: boolean;
  file: string;
  line: number;
}

export interface ConfNode {
  keyword: string;
  args: string[];
  children: ConfNode[] | null;
  file: string;
  line: number;
}

export type ParseResult =
  | { ok: true; nodes: ConfNode[]; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.message}`;
}

/** Collects errors and warnings while reading; never throws. */
export class Diagnostics {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];

  error(file: string, line: number, message: string): void {
    this.errors.push({ file, line, message });
  }

  warn(file: string, line: number, message: string): void {
    this.warnings.push({ file, line, message });
  }
}
