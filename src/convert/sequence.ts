// `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(var, v1, v2, ...)` prefixes: the rest of the
// line is repeated once per value, with the variables defined as parameters. Several prefixes nest,
// the first one outermost.

export interface Loop {
  vars: string[];
  /** One row of values per iteration, aligned with `vars`. */
  rows: string[][];
}

export type LoopParse = { ok: true; loops: Loop[]; rest: string } | { ok: false; message: string };

/** Guards against a typo turning one line into millions. */
const MAX_ROWS = 1_000_000;

const PREFIX = /^\s*~(SEQx?|LST)\(/;

export function parseLoops(line: string): LoopParse {
  const loops: Loop[] = [];
  let rest = line;
  for (let m = PREFIX.exec(rest); m; m = PREFIX.exec(rest)) {
    const open = m[0].length;
    const close = rest.indexOf(")", open);
    if (close < 0) return { ok: false, message: `~${m[1]}: missing ')'` };
    const body = rest.slice(open, close);
    const loop = m[1] === "LST" ? parseList(body) : parseSeq(body, m[1] === "SEQx");
    if (typeof loop === "string") return { ok: false, message: `~${m[1]}(${body}): ${loop}` };
    loops.push(loop);
    rest = rest.slice(close + 1);
  }
  return { ok: true, loops, rest };
}

function parseInteger(text: string): number | undefined {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === "-" ? -n : n;
}

function parseSeq(body: string, hex: boolean): Loop | string {
  const parts = body.split(",").map((p) => p.trim());
  const name = parts.shift() ?? "";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `bad variable name '${name}'`;
  if (parts.length < 1 || parts.length > 3) return "expected 1 to 3 numbers after the variable";
  const nums = parts.map(parseInteger);
  if (nums.some((n) => n === undefined)) return "arguments must be integers";
  const values = nums as number[];
  const end = values[values.length - 1]!;
  // Defaults per the manual; keepalived 2.2.7 also starts at 1 when end is 0.
  const start = values.length >= 2 ? values[0]! : end < 0 ? -1 : 1;
  const step = values.length === 3 ? values[1]! : end >= start ? 1 : -1;
  if (step === 0) return "step must not be 0";
  const rows: string[][] = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    if (rows.length >= MAX_ROWS) return `more than ${MAX_ROWS} iterations`;
    rows.push([hex ? v.toString(16) : String(v)]);
  }
  return { vars: [name], rows };
}

/** Splits on commas that are not inside `{...}`. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

function unbrace(item: string): string[] {
  return item.startsWith("{") && item.endsWith("}")
    ? item
        .slice(1, -1)
        .split(",")
        .map((s) => s.trim())
    : [item];
}

function parseList(body: string): Loop | string {
  const items = splitTopLevel(body);
  const vars = unbrace(items.shift() ?? "");
  if (vars.some((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) return `bad variable list '${vars.join(",")}'`;
  if (items.length === 0) return "no values";
  const rows = items.map(unbrace);
  if (rows.some((r) => r.length !== vars.length)) return `each value needs ${vars.length} item(s)`;
  return { vars, rows };
}
