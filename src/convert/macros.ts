// keepalived parameter substitution: `$NAME=value` definitions and `$NAME` / `${NAME}` uses.
// Values are substituted when used, not when defined, and recursively. An undefined name is left in
// the text untouched, as keepalived does, so `$` in scripts survives; the caller warns about it.

const NAME = "[A-Za-z_][A-Za-z0-9_]*";
const DEFINITION = new RegExp(`^\\s*\\$(${NAME})=(.*)$`);
// `$NAME` only counts when followed by whitespace or end of line; `${NAME}` anywhere.
// `${_RANDOM MIN MAX}` is the one built-in taking arguments.
const USE = new RegExp(`\\$\\{(${NAME})((?:\\s+\\d+){0,2})\\s*\\}|\\$(${NAME})(?=\\s|$)`, "g");

/** Limits before a definition is considered self-referential (`$X=$X $X` grows without end). */
const MAX_PASSES = 64;
const MAX_LENGTH = 1 << 20;

export interface Definition {
  name: string;
  value: string;
  /** The value ended in `\`: following lines belong to it. */
  continued: boolean;
}

export function parseDefinition(line: string): Definition | null {
  const m = DEFINITION.exec(line);
  if (!m) return null;
  let value = m[2]!.trim();
  const continued = value.endsWith("\\");
  if (continued) value = value.slice(0, -1).trim();
  return { name: m[1]!, value, continued };
}

/** Strips a trailing continuation `\`; returns null when the line does not continue. */
export function continuation(line: string): string | null {
  const t = line.trimEnd();
  return t.endsWith("\\") ? t.slice(0, -1).trimEnd() : null;
}

export interface BuiltinContext {
  pwd: string;
  instance: string;
  random: () => number;
}

export interface Substitution {
  text: string;
  /** Names used but not defined (left in the text). */
  undefined: string[];
  /** Set when substitution did not settle (a definition that refers to itself). */
  runaway: boolean;
}

export class MacroTable {
  private readonly values = new Map<string, string>();

  define(name: string, value: string): void {
    this.values.set(name, value);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /**
   * Replaces uses until none is left. Stops early once a multi-line value was inserted: the lines
   * must then be processed one by one, so definitions inside them take effect in order.
   */
  substitute(text: string, ctx: BuiltinContext): Substitution {
    const missing = new Set<string>();
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let replaced = false;
      text = text.replace(USE, (whole, braced?: string, args?: string, bare?: string) => {
        const name = (braced ?? bare)!;
        const value = this.lookup(name, args ?? "", ctx);
        if (value === undefined) {
          missing.add(name);
          return whole;
        }
        replaced = true;
        return value;
      });
      if (text.length > MAX_LENGTH) break;
      if (!replaced || text.includes("\n")) return { text, undefined: [...missing], runaway: false };
    }
    return { text, undefined: [...missing], runaway: true };
  }

  private lookup(name: string, args: string, ctx: BuiltinContext): string | undefined {
    const own = this.values.get(name);
    if (own !== undefined) return own;
    if (args.trim() !== "" && name !== "_RANDOM") return undefined;
    switch (name) {
      case "_PWD":
        return ctx.pwd;
      case "_INSTANCE":
        return ctx.instance;
      case "_HASH":
        return "#";
      case "_BANG":
        return "!";
      case "_RANDOM": {
        const [min = 0, max = 32767] = args.trim().split(/\s+/).filter(Boolean).map(Number);
        return String(min + Math.floor(ctx.random() * (max - min + 1)));
      }
      default:
        return undefined;
    }
  }
}
