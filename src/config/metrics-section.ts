// [metrics]: the optional Prometheus listener. Off unless the section is there.

import type { Problems } from "./config-error.ts";
import type { MetricsSection } from "./schema.ts";
import { TableReader, type TomlTable } from "./table-reader.ts";

export const METRICS_KEYS = ["listen"];
const DEFAULT_LISTEN = "127.0.0.1:9650";

/** `HOST:PORT` or `[IPV6]:PORT`. */
const LISTEN = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/;

export function readMetrics(problems: Problems, table: TomlTable | undefined): MetricsSection | null {
  if (table === undefined) return null;
  const r = new TableReader(problems, ["metrics"], table, METRICS_KEYS);
  const listen = r.optString("listen", '"HOST:PORT"') ?? DEFAULT_LISTEN;
  const match = LISTEN.exec(listen);
  const port = match ? Number(match[3]) : -1;
  if (!match || port < 1 || port > 65535) {
    problems.error(r.at("listen"), `must be "HOST:PORT" (or "[IPV6]:PORT") with a port 1..65535, got ${JSON.stringify(listen)}`);
    return null;
  }
  return { host: match[1] ?? match[2]!, port };
}
