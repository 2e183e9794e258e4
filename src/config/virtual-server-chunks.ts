// A config file cut into the text of each virtual server and the rest, so that a reload can reuse what it read
// before from identical text (src/config/config-loader.ts). Cutting at table headers is exact only when no header
// can be mistaken, so anything that could make a line look like a header without being one (or hide one) gives
// null and the whole file is read as usual:
//   - multi-line strings (""" or ''') can hold any line;
//   - a line opening with "[" that is not a plain header (nested arrays of a multi-line array, a quoted key with
//     escapes) is not judged;
//   - a header that would also read as an array value ([80], ["x"], [[true]]) could sit inside a multi-line array;
//   - keys before the first header are root keys and could reach into virtual_servers by a dotted key;
//   - a bare [virtual_servers] header can set any virtual server's keys by dotted keys.
// Every other line belongs to the header above it, so each virtual server's subtree is written only in its own
// chunks, and the rest never reaches into it.

export interface VirtualServerChunks {
  /** Everything but the virtual servers' chunks, in file order. */
  rest: string;
  /** Each virtual server's chunks joined in file order, by name in order of first appearance. */
  servers: Map<string, string>;
}

/** A line whose first non-blank character is "[": a header, or a line that makes the cut unsafe. */
const BRACKET_LINE = /^[ \t]*\[.*$/gm;
const KEY = `(?:[A-Za-z0-9_-]+|"[^"\\\\\\n]*"|'[^'\\n]*')`;
/** A table or array-of-tables header, with an optional comment: the key path is group 1 or 2. */
const HEADER = new RegExp(
  `^[ \\t]*(?:\\[\\[[ \\t]*(${KEY}(?:[ \\t]*\\.[ \\t]*${KEY})*)[ \\t]*\\]\\]|\\[[ \\t]*(${KEY}(?:[ \\t]*\\.[ \\t]*${KEY})*)[ \\t]*\\])[ \\t]*(?:#.*)?$`,
);
const SEGMENT = new RegExp(KEY, "g");
/** A first key that an array value could also start with: a number, a quoted string alone, a boolean. */
const VALUE_LIKE_BARE = /^(?:[0-9+-].*|true|false|inf|nan)$/;
const MULTI_LINE_STRING = /"""|'''/;
/** A line that is neither blank nor a comment. */
const SIGNIFICANT = /^[ \t]*[^ \t#\n\r]/m;

/**
 * A virtual server's own header and the lines after it, up to a header outside its subtree: one match for the
 * common layout, instead of a header at a time (each real server has one). Sub-table keys are bare.
 */
const SERVER_RUN =
  /\[virtual_servers\.("[^"\\\n]*"|[A-Za-z_][A-Za-z0-9_-]*)\][ \t]*\n(?:(?![ \t]*\[)[^\n]*\n|(?:\[\[virtual_servers\.\1(?:\.[A-Za-z0-9_-]+)+\]\]|\[virtual_servers\.\1(?:\.[A-Za-z0-9_-]+)+\])[ \t]*\n)*/y;

/** The file cut as above, or null when it cannot be cut safely. */
export function cutVirtualServers(text: string): VirtualServerChunks | null {
  if (MULTI_LINE_STRING.test(text)) return null;
  const rest: string[] = [];
  const servers = new Map<string, string[]>();
  const serverParts = (name: string) => {
    const parts = servers.get(name) ?? [];
    servers.set(name, parts);
    return parts;
  };
  BRACKET_LINE.lastIndex = 0;
  let header = BRACKET_LINE.exec(text);
  const prefix = text.slice(0, header?.index ?? text.length);
  if (SIGNIFICANT.test(prefix)) return null;
  rest.push(prefix);
  for (let guard = 0; header !== null && guard < 10_000_000; guard++) {
    let owner: string[];
    SERVER_RUN.lastIndex = header.index;
    const run = SERVER_RUN.exec(text);
    if (run !== null) {
      owner = serverParts(unquote(run[1]!));
      BRACKET_LINE.lastIndex = header.index + run[0].length;
    } else {
      const segments = headerSegments(header[0]);
      if (segments === null || (segments[0] === "virtual_servers" && segments.length === 1)) return null;
      owner = segments[0] === "virtual_servers" ? serverParts(segments[1]!) : rest;
    }
    const next = BRACKET_LINE.exec(text);
    owner.push(text.slice(header.index, next?.index ?? text.length));
    header = next;
  }
  const joined = new Map<string, string>();
  for (const [name, parts] of servers) joined.set(name, parts.join(""));
  return { rest: rest.join(""), servers: joined };
}

/** The decoded key path of a header line; null when the line is not a header that cannot be read as a value. */
function headerSegments(line: string): string[] | null {
  const match = HEADER.exec(line);
  if (match === null) return null;
  const path = match[1] ?? match[2]!;
  const segments = path.match(SEGMENT)!.map(unquote);
  const firstQuoted = path.trimStart().startsWith('"') || path.trimStart().startsWith("'");
  if (segments.length === 1 && (firstQuoted || VALUE_LIKE_BARE.test(segments[0]!))) return null;
  if (!firstQuoted && VALUE_LIKE_BARE.test(segments[0]!)) return null;
  return segments;
}

function unquote(key: string): string {
  return key.startsWith('"') || key.startsWith("'") ? key.slice(1, -1) : key;
}
