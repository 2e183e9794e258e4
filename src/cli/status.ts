// `vipd status`: asks a running daemon over its Unix socket and prints the instances.

import { defineCommand } from "citty";
import type { StatusSnapshot } from "../daemon/status.ts";
import { DEFAULT_SOCKET } from "./run.ts";
import { formatVirtualServers } from "./status-lvs.ts";

/** How long the client waits for the daemon's answer. */
const ANSWER_TIMEOUT_MS = 3000;

/** A name from the config or the network, as a terminal shows it: control characters (escapes) replaced. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, "?");
}

/** "12 s", "3 min", "2 h": an age, roughly. */
export function age(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

export const status = defineCommand({
  meta: { name: "status", description: "show the live state of a running daemon" },
  args: {
    socket: { type: "string", alias: "s", description: "the status socket", default: DEFAULT_SOCKET },
    json: { type: "boolean", description: "print the raw JSON", default: false },
  },
  async run({ args }) {
    let snapshot: StatusSnapshot;
    try {
      const response = await fetch("http://vipd/status", {
        unix: args.socket,
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      } as RequestInit);
      snapshot = (await response.json()) as StatusSnapshot;
    } catch (error) {
      const timedOut = (error as Error).name === "TimeoutError";
      process.stderr.write(
        timedOut
          ? `vipd status: the daemon on ${printable(args.socket)} did not answer within ${ANSWER_TIMEOUT_MS / 1000} s\n`
          : `vipd status: no vipd answers on ${printable(args.socket)}; is it running (systemctl status vipd)?\n`,
      );
      process.exit(1);
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
      return;
    }
    process.stdout.write(`vipd ${snapshot.version}, pid ${snapshot.pid}, up ${Math.round(snapshot.uptimeMs / 1000)} s\n`);
    const rows = snapshot.instances.map((i) => [
      printable(i.name),
      `${printable(i.interface)}/${i.vrid}`,
      `v${i.version}`,
      i.state + (i.stopping ? " (stopping)" : "") + (i.held ? " (held by handover)" : ""),
      `${i.priority}${i.priority !== i.basePriority ? ` (base ${i.basePriority})` : ""}`,
      i.master ?? "-",
      i.lastAdvertAgeMs === null ? "-" : age(i.lastAdvertAgeMs),
      i.lastTransition === null ? "-" : `${age(i.lastTransition.ageMs)} ago: ${printable(i.lastTransition.reason)}`,
      printable(i.fault ?? ""),
      Object.entries(i.drops)
        .map(([reason, count]) => `${reason}×${count}`)
        .join(" "),
    ]);
    for (const w of snapshot.waiting ?? []) {
      rows.push([
        printable(w.instance),
        `${printable(w.ifname)}/-`,
        "",
        "FAULT",
        "",
        "-",
        "-",
        "-",
        `waiting for ${printable(w.ifname)}`,
        "",
      ]);
    }
    const header = ["INSTANCE", "IF/VRID", "VER", "STATE", "PRIORITY", "MASTER", "LAST ADVERT", "LAST CHANGE", "FAULT", "DROPPED"];
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
