// The daemon's reader of its config file (and `vipd check`'s), at start and at every reload. Each virtual server's
// text is parsed on its own when the file can be cut so (see loadInChunks). A reload reads again only what changed:
// when the file outside the virtual servers is the same text as at the last accepted load, each virtual server
// whose own text is the same too is neither parsed nor validated again, and keeps its section (the same object,
// so the load balancer can tell it is unchanged). Under the interpreter the daemon runs with, parsing and checking
// 1,000 virtual servers × 10 real servers took most of a reload that changed one weight. The checks across
// sections still run over all of them, and a problem a reused section raised is raised again, on today's lines.

import {
  type LoadOptions,
  type LoadResult,
  loadConfigText,
  loadParsedConfig,
  type ReadVirtualServer,
  readConfigText,
  type VirtualServerMemo,
} from "./load.ts";
import { isTable, type TomlTable } from "./table-reader.ts";
import { takeRealServerRows } from "./real-server-rows.ts";
import { parseToml } from "./toml-parse.ts";
import { cutVirtualServers, type VirtualServerChunks } from "./virtual-server-chunks.ts";

/** The last accepted file, as far as a reload can reuse it. */
interface Accepted {
  /** Without its comments. */
  rest: string;
  servers: Map<string, { text: string; read: ReadVirtualServer }>;
}

export class ConfigLoader {
  private accepted: Accepted | null = null;

  constructor(private readonly options: LoadOptions = {}) {}

  /** Loads the file; a failed load leaves the last accepted one as what the next load compares against. */
  load(path: string): LoadResult {
    const text = readConfigText(path);
    if (typeof text !== "string") return text;
    const chunks = cutVirtualServers(text);
    const last = chunks !== null && this.accepted?.rest === withoutComments(chunks.rest) ? this.accepted : null;
    let memo = new ChunkMemo(last, chunks);
    let result = chunks === null ? null : this.loadInChunks(text, path, chunks, memo);
    if (result === null) {
      memo = new ChunkMemo(null, chunks);
      result = loadConfigText(text, path, this.options, memo);
    }
    if (result.ok) this.accepted = memo.accepted();
    return result;
  }

  /**
   * The file parsed a piece at a time (the rest, then each virtual server whose text changed), or null when a
   * piece does not parse alone: the whole file is then parsed as usual, and a syntax error placed on its line.
   * Pieces are also cheaper at a first start on a host: Bun's parser takes memory in proportion to the text it is
   * given, and 1,000 virtual servers × 10 real servers parsed at once took 60–70 ms, 35 ms a piece at a time (the
   * memory of one piece is used again for the next: a third fewer page faults); the whole load 108 → 89 ms
   * (medians of 12). Under the test VM's emulation, `vipd check --offline` of that file 1.17 → 1.15 s (medians of
   * 16 runs each, taking turns in one boot; fastest 1.11 → 1.02 s).
   */
  private loadInChunks(text: string, path: string, chunks: VirtualServerChunks, memo: ChunkMemo): LoadResult | null {
    let root: TomlTable;
    try {
      root = parseToml(chunks.rest);
    } catch {
      return null;
    }
    if (chunks.servers.size === 0) return loadParsedConfig(root, text, path, this.options, memo);
    if (Object.hasOwn(root, "virtual_servers")) return null;
    // In the file's order, as the whole file parsed would list them; a reused one's table is never looked at.
    const servers: TomlTable = {};
    for (const [name, piece] of chunks.servers) {
      if (memo.unchanged(name)) {
        servers[name] = {};
        continue;
      }
      const table = parsedServer(piece, name);
      if (table === null) return null;
      servers[name] = table;
    }
    return loadParsedConfig({ ...root, virtual_servers: servers }, text, path, this.options, memo);
  }
}

/**
 * A virtual server's text parsed alone: its table, or null when it does not parse or holds anything else. Rows of
 * plain real servers are read apart (real-server-rows.ts) and put where the parser left their empty list.
 */
function parsedServer(piece: string, name: string): TomlTable | null {
  const taken = takeRealServerRows(piece);
  let parsed: TomlTable;
  try {
    parsed = parseToml(taken?.text ?? piece);
  } catch {
    return null;
  }
  const servers = parsed.virtual_servers;
  if (!isTable(servers) || Object.keys(parsed).length !== 1) return null;
  const table = servers[name];
  if (!isTable(table) || Object.keys(servers).length !== 1) return null;
  if (taken === null) return table;
  const placeholder = table.real_servers;
  if (!Array.isArray(placeholder) || placeholder.length !== 0) return null;
  table.real_servers = taken.rows;
  return table;
}

/** Hands out the last accepted load's sections for unchanged text, and collects this load's for the next. */
class ChunkMemo implements VirtualServerMemo {
  private readonly read = new Map<string, ReadVirtualServer>();

  constructor(
    private readonly last: Accepted | null,
    private readonly chunks: VirtualServerChunks | null,
  ) {}

  unchanged(name: string): boolean {
    const before = this.last?.servers.get(name);
    return before !== undefined && before.text === this.chunks?.servers.get(name);
  }

  reused(name: string): ReadVirtualServer | undefined {
    return this.unchanged(name) ? this.last!.servers.get(name)!.read : undefined;
  }

  remember(name: string, read: ReadVirtualServer): void {
    this.read.set(name, read);
  }

  /** What the next load may reuse; null when this file cannot be cut, or a virtual server went unread. */
  accepted(): Accepted | null {
    if (this.chunks === null) return null;
    const servers = new Map<string, { text: string; read: ReadVirtualServer }>();
    for (const [name, text] of this.chunks.servers) {
      const read = this.read.get(name) ?? this.reused(name);
      if (read === undefined) return null;
      servers.set(name, { text, read });
    }
    return { rest: withoutComments(this.chunks.rest), servers };
  }
}

/** Comment lines and blank lines mean nothing (the cut refuses multi-line strings, where they would). */
const COMMENT_OR_BLANK_LINE = /^[ \t]*(?:#[^\n]*)?(?:\n|$)/gm;

function withoutComments(text: string): string {
  return text.replace(COMMENT_OR_BLANK_LINE, "");
}
