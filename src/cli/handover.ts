// `vipd handover INSTANCE|--all [--undo]`: a planned switchover for maintenance. The instance hands its VIPs to
// the next master exactly as on a stop (priority 0, VIPs kept until the new master speaks: no lost packet), then
// stays BACKUP until `--undo`. Nobody taking over in time calls it off: the VIPs stay where they are.

import { type ArgsDef, defineCommand } from "citty";
import { DEFAULT_SOCKET } from "./run.ts";
import { usageError } from "./strict-args.ts";

/** How long the client waits for the daemon's answer. */
const ANSWER_TIMEOUT_MS = 5000;

const handoverArgs = {
  instance: { type: "positional", description: "the instance to move away (or --all)", required: false },
  all: { type: "boolean", description: "every instance of this node", default: false },
  undo: { type: "boolean", description: "end the hold: take part in elections again", default: false },
  socket: { type: "string", alias: "s", description: "the daemon's control socket", default: DEFAULT_SOCKET },
} satisfies ArgsDef;

export const handover = defineCommand({
  meta: { name: "handover", description: "move VIPs to another node without losing a packet, and stay BACKUP" },
  args: handoverArgs,
  async run({ args }) {
    const instance = typeof args.instance === "string" && args.instance !== "" ? args.instance : null;
    if ((instance === null) === !args.all)
      usageError("handover", instance === null ? "name an instance, or --all" : "an instance or --all, not both");
    const query = new URLSearchParams();
    if (instance !== null) query.set("instance", instance);
    if (args.undo) query.set("undo", "1");
    let answer: { ok: boolean; problem?: string; refused?: boolean };
    try {
      const response = await fetch(`http://vipd/handover?${query}`, {
        method: "POST",
        unix: args.socket,
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      } as RequestInit);
      answer = (await response.json()) as typeof answer;
    } catch {
      process.stderr.write(`vipd handover: no vipd daemon answers on ${args.socket} (is it running, and are you root?)\n`);
      process.exit(1);
    }
    if (!answer.ok) {
      // Refused: the daemon checked who is asking (SO_PEERCRED) and only root or its own user may change state.
      process.stderr.write(answer.refused ? `vipd handover needs root: ${answer.problem}\n` : `vipd handover: ${answer.problem}\n`);
      process.exit(1);
    }
    const what = instance ?? "every instance";
    process.stdout.write(
      args.undo
        ? `${what}: handover undone; it takes part in elections again\n`
        : `${what}: handing over; held BACKUP until 'vipd handover ${instance ?? "--all"} --undo' (see 'vipd status')\n`,
    );
  },
});
