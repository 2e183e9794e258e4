// The checker benchmark's backends: one process listening on a few ports on every address of the director's
// namespace (198.51.100.0/24 is routed there as local), so each (address, port) is a real server of its own. Modes
// per port: "tcp" accepts (TCP_CHECK), "http" answers any request with 200 and closes (HTTP_GET), "hang" accepts
// and never answers (a check that runs into its timeout). Every connection to a target is stamped on arrival: the
// intervals between two checks of one real server show late checks, measured the same way for both daemons.
//   bun check-backend.ts LATE_MS PORT:MODE...
// Commands on stdin, one per line: `reset` (start a window), `report` → {"report":IntervalReport},
// `close PORT` → {"closed":PORT}, `open PORT` → {"opened":PORT}. First line out: {"ready":true}.

import type { Socket, TCPSocketListener } from "bun";
import { IntervalTracker, MAX_TARGETS, targetIndex } from "./checkers-plan.ts";

type Mode = "tcp" | "http" | "hang";
interface Conn {
  mode: Mode;
  answered: boolean;
}

const [lateText, ...portArgs] = process.argv.slice(2);
const tracker = new IntervalTracker(MAX_TARGETS, Number(lateText));
const modes = new Map<number, Mode>();
for (const arg of portArgs) {
  const [port, mode] = arg.split(":");
  if (mode !== "tcp" && mode !== "http" && mode !== "hang") throw new Error(`bad PORT:MODE ${arg}`);
  modes.set(Number(port), mode);
}

const REPLY = new TextEncoder().encode("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
const listeners = new Map<number, TCPSocketListener<Conn>>();

function listen(port: number, mode: Mode): void {
  listeners.set(
    port,
    Bun.listen<Conn>({
      hostname: "0.0.0.0",
      port,
      socket: {
        open(socket: Socket<Conn>) {
          socket.data = { mode, answered: false };
          if (mode !== "hang") tracker.record(targetIndex(socket.localAddress, port), performance.now());
        },
        data(socket: Socket<Conn>, chunk: Buffer) {
          const conn = socket.data;
          if (conn.mode !== "http" || conn.answered) return;
          // A request ends with an empty line; checkers send theirs in one write.
          if (chunk.indexOf("\r\n\r\n") < 0 && chunk.indexOf("\n\n") < 0) return;
          conn.answered = true;
          socket.end(REPLY);
        },
        error() {
          // a checker that resets its connection is no concern of the backend
        },
      },
    }),
  );
}

for (const [port, mode] of modes) listen(port, mode);
console.log(JSON.stringify({ ready: true }));

let partial = "";
const text = new TextDecoder();
for await (const chunk of Bun.stdin.stream()) {
  partial += text.decode(chunk, { stream: true });
  const lines = partial.split("\n");
  partial = lines.pop() ?? "";
  for (const line of lines) {
    const [command, arg] = line.trim().split(" ");
    const port = Number(arg);
    if (command === "reset") tracker.reset();
    else if (command === "report") console.log(JSON.stringify({ report: tracker.report() }));
    else if (command === "close" && listeners.has(port)) {
      listeners.get(port)!.stop(true);
      listeners.delete(port);
      console.log(JSON.stringify({ closed: port }));
    } else if (command === "open" && modes.has(port) && !listeners.has(port)) {
      listen(port, modes.get(port)!);
      console.log(JSON.stringify({ opened: port }));
    } else console.error(`check-backend: unknown command ${line}`);
  }
}
for (const listener of listeners.values()) listener.stop(true);
process.exit(0);
