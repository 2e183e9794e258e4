// The few roff rules the generated man pages need: escape text so no character is read as a request or escape.

/** Text safe inside a roff line: backslashes escaped, dashes as \- (so they copy as ASCII), no leading request. */
export function roffText(text: string): string {
  const escaped = text.replace(/\\/g, "\\e").replace(/-/g, "\\-");
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

/** A quoted macro argument ("" doubled, as groff reads them). */
export function roffArg(text: string): string {
  return `"${roffText(text).replace(/"/g, '""')}"`;
}

/** Lines shown as typed (examples, config excerpts): no filling, no adjusting. */
export function roffLiteral(lines: readonly string[]): string[] {
  return [".RS 4", ".nf", ...lines.map(roffText), ".fi", ".RE"];
}
