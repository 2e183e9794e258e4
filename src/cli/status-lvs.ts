// `vipd status`'s load-balancing part: each virtual server's real servers with their weight in the table and
// their checks' last result.

import type { StatusSnapshot } from "../daemon/status.ts";
import { printable } from "./status.ts";

export function formatVirtualServers(snapshot: Pick<StatusSnapshot, "virtualServers" | "checker">): string {
  const servers = snapshot.virtualServers ?? [];
  if (servers.length === 0) return "";
  const rows: string[][] = [];
  for (const vs of servers) {
    for (const rs of vs.realServers) {
      const checks = rs.checks.length === 0 ? "no check" : rs.checks.map((c) => `${c.check}: ${checkText(c)}`).join("; ");
      rows.push([
        printable(vs.name),
        `${rs.address}:${rs.port ?? "-"}`,
        rs.alive ? "up" : "DOWN",
        rs.weight === null ? "out" : String(rs.weight),
        printable(checks),
      ]);
    }
  }
  const header = ["VIRTUAL SERVER", "REAL SERVER", "HEALTH", "WEIGHT", "CHECKS"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const lines = [header, ...rows].map((row) =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd(),
  );
  const checker = snapshot.checker;
  if (checker)
    lines.push(`checker process ${checker.pid ?? "restarting"}: ${checker.distinctChecks} distinct checks, ${checker.restarts} restarts`);
  return `\n${lines.join("\n")}\n`;
}

function checkText(c: NonNullable<StatusSnapshot["virtualServers"]>[number]["realServers"][number]["checks"][number]): string {
  if (c.last === null) return c.up ? "pending (up)" : "pending (down)";
  return `${c.up ? "up" : "DOWN"}, last ${c.last.ok ? "passed" : "failed"} (${c.last.reason}) in ${c.last.durationMs} ms`;
}
