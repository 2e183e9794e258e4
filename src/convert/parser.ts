// Builds the syntax tree from the token stream. keepalived is line-oriented: a statement is a keyword
// and the words after it up to the end of its line, a `{` or a `}`; a `{` (on the same line or
// alone on the next) opens the statement's block. The tree is keyword-agnostic: list blocks such as
// `virtual_ipaddress { 192.0.2.1/24 dev eth0 }` give children keyed by their first word.
import { readConfigTokens, type ReadOptions } from "./reader.ts";
import { Diagnostics, type ConfNode, type ParseResult, type Token } from "./types.ts";

export type { ConfNode, ParseResult, ReadOptions as ParseOptions };

// Includes are handled line by line in the reader; one reaching the parser sat mid-line.
const INCLUDE_KEYWORD = /^include[rmwbat]?$/;

interface OpenBlock {
  children: ConfNode[];
  /** Where the `{` was, for the "never closed" error. */
  open: Token | null;
}

export function parseTokens(tokens: readonly Token[], diags: Diagnostics): ConfNode[] {
  const root: OpenBlock = { children: [], open: null };
  const stack: OpenBlock[] = [root];
  // The latest statement, which may still take a block: its `{` may also start the next line.
  let pending: ConfNode | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const block = stack[stack.length - 1]!;
    switch (tok.kind) {
      case "eol":
        break;
      case "word": {
        const node: ConfNode = { keyword: tok.text, args: [], children: null, file: tok.file, line: tok.line };
        while (tokens[i + 1]?.kind === "word") node.args.push(tokens[++i]!.text);
        if (!tok.quoted && INCLUDE_KEYWORD.test(tok.text)) {
          const why = "keepalived would take the rest of the line, '}' included, as the file name";
          diags.warn(tok.file, tok.line, `'${tok.text}' after '{' or '}' on a line is not followed (${why})`);
        }
        block.children.push(node);
        pending = node;
        break;
      }
      case "open": {
        if (pending === null || pending.children !== null) {
          diags.warn(tok.file, tok.line, "'{' without a keyword before it; block ignored");
          stack.push({ children: [], open: tok });
        } else {
          pending.children = [];
          stack.push({ children: pending.children, open: tok });
        }
        pending = null;
        break;
      }
      case "close":
        if (stack.length === 1) diags.error(tok.file, tok.line, "unbalanced '}'");
        else stack.pop();
        pending = null;
        break;
    }
  }
  for (const block of stack.slice(1).reverse()) {
    diags.error(block.open!.file, block.open!.line, "unbalanced '{': missing '}' before end of input");
  }
  return root.children;
}

/** Reads, preprocesses and parses a keepalived.conf with its includes. Never throws. */
export function parseConfig(entry: string, options: ReadOptions = {}): ParseResult {
  const read = readConfigTokens(entry, options);
  const diags = new Diagnostics();
  diags.errors.push(...read.errors);
  diags.warnings.push(...read.warnings);
  const nodes = parseTokens(read.tokens, diags);
  if (diags.errors.length > 0) return { ok: false, errors: diags.errors, warnings: diags.warnings };
  return { ok: true, nodes, warnings: diags.warnings };
}
