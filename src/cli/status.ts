// `vipd status`: asks a running daemon over its Unix socket and prints the instances.

import { defineCommand } from "citty";
import type { StatusSnapshot } from "../daemon/status.ts";
import { DEFAULT_SOCKET } from "./run.ts";
import { formatVirtualServers } from "./status-lvs.ts";

export const status = defineCommand({
  meta: { name: "status", description: "show the live state of a running daemon" },
  args: {
    socket: { type: "string", alias: "s", description: "the status socket", default: DEFAULT_SOCKET },
    json: { type: "boolean", description: "print the raw JSON", default: false },
  },
  async run({ args }) {
    let snapshot: StatusSnapshot;
    try {
      const response = await fetch("http://vipd/status", { unix: args.socket } as RequestInit);
      snapshot = (await response.json()) as StatusSnapshot;
    } catch (error) {
      process.stderr.write(`vipd status: no daemon answers on ${args.socket} (${(error as Error).message})\n`);
      process.exit(1);
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
      return;
    }
    process.stdout.write(`vipd ${snapshot.version}, pid ${snapshot.pid}, up ${Math.round(snapshot.uptimeMs / 1000)} s\n`);
    const rows = snapshot.instances.map((i) => [
      i.name,
      `${i.interface}/${i.vrid}`,
      `v${i.version}`,
      i.state + (i.stopping ? " (stopping)" : "") + (i.held ? " (held by handover)" : ""),
      `${i.priority}${i.priority !== i.basePriority ? ` (base ${i.basePriority})` : ""}`,
      i.master ?? "-",
      i.fault ?? "",
      Object.entries(i.drops)
        .map(([reason, count]) => `${reason}×${count}`)
        .join(" "),
    ]);
    for (const w of snapshot.waiting ?? []) rows.push([w.instance, `${w.ifname}/-`, "", "FAULT", "", "-", `waiting for ${w.ifname}`, ""]);
    const header = ["INSTANCE", "IF/VRID", "VER", "STATE", "PRIORITY", "MASTER", "FAULT", "DROPPED"];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    for (const row of [header, ...rows])
      process.stdout.write(
        `${row
          .map((cell, c) => cell.padEnd(widths[c]!))
          .join("  ")
          .trimEnd()}\n`,
      );
    process.stdout.write(formatVirtualServers(snapshot));
  },
});
