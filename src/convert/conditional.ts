// `@id line` keeps the line only when `id` is an active config id, `@^id line` only when it is not
// (keepalived's `-i ID`; here a set so one conversion can cover several ids).

const CONDITIONAL = /^\s*@(\^?)(\S*)\s*(.*)$/s;

/** The line without its condition when kept, null when dropped; other lines pass unchanged. */
export function applyConditional(line: string, activeIds: ReadonlySet<string>): string | null {
  const m = CONDITIONAL.exec(line);
  if (!m) return line;
  const active = activeIds.has(m[2]!);
  return (m[1] === "^" ? !active : active) ? m[3]! : null;
}
