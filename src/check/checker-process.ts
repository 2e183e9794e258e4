// Starting the checker process: this executable again, with the internal argument, its stdin and stdout the
// protocol's channel and its stderr lines handed to the daemon's log.

import { spawn } from "node:child_process";
import { checkerEnv } from "../daemon/runtime-env.ts";
import { selfCommand } from "../process/self-command.ts";
import { CHECKER_ARGUMENT, decodeFromChecker, encodeMessage, type FromChecker, type ToChecker } from "./checker-protocol.ts";
import { lineReader } from "./line-reader.ts";

export interface CheckerEvents {
  onMessage(message: FromChecker): void;
  /** A line from the child that is not a valid message. */
  onMalformed(line: string): void;
  onStderr(line: string): void;
  onExit(code: number | null, signal: string | null): void;
}

export interface CheckerChannel {
  readonly pid: number | null;
  send(message: ToChecker): void;
  /** SIGKILL to the child this channel started (its process group: the scripts it runs go too). */
  kill(): void;
}

export type SpawnChecker = (events: CheckerEvents) => CheckerChannel;

export const spawnCheckerProcess: SpawnChecker = (events) => {
  const [program, ...args] = selfCommand();
  const child = spawn(program!, [...args, CHECKER_ARGUMENT], {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
    env: checkerEnv(process.env),
  });
  let exited = false;
  child.stdout.on(
    "data",
    lineReader((line) => {
      const message = decodeFromChecker(line);
      if (message === null) events.onMalformed(line);
      else events.onMessage(message);
    }),
  );
  child.stderr.on("data", lineReader(events.onStderr));
  // A child that dies makes its stdin fail; the exit event says so.
  child.stdin.on("error", () => undefined);
  child.on("error", (e) => {
    events.onStderr(`cannot start the checker process: ${e.message}`);
    if (!exited) {
      exited = true;
      events.onExit(null, null);
    }
  });
  child.on("exit", (code, signal) => {
    if (exited) return;
    exited = true;
    events.onExit(code, signal);
  });
  return {
    pid: child.pid ?? null,
    send: (message) => {
      if (!exited) child.stdin.write(encodeMessage(message));
    },
    kill: () => {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    },
  };
};
