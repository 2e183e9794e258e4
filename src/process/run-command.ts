// Runs a tracking or notify script: without a shell, as a given user, in its own process group so that a
// timeout kills the script and everything it started, and without ever rejecting: the daemon must not stop
// because a script misbehaves.

import { spawn } from "node:child_process";

export interface RunOptions {
  argv: readonly string[];
  uid?: number;
  gid?: number;
  /** Kill the whole process group after this long; undefined waits for ever (notify scripts). */
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Aborting ends the program: SIGTERM to its process group, SIGKILL a second later if it is still there. */
  signal?: AbortSignal;
}

export interface RunResult {
  /** The exit code, or null when killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Why the program could not be started (ENOENT, EACCES...), or null. */
  spawnError: string | null;
  durationMs: number;
  /** The first KiB of stderr, for the log line of a failing script. */
  stderr: string;
  pid: number | null;
}

export type CommandRunner = (options: RunOptions) => Promise<RunResult>;

const STDERR_KEPT = 1024;
/** How long after the script's exit its stderr may still deliver its last lines. */
const STDERR_GRACE_MS = 50;
/** How long a program asked to end (SIGTERM) has before it is killed. */
const TERM_GRACE_MS = 1000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export function runCommand(options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let stderr = "";
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const finish = (result: Omit<RunResult, "durationMs" | "stderr" | "timedOut">) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ ...result, timedOut, stderr, durationMs: performance.now() - started });
    };
    const [program, ...args] = options.argv;
    if (!program) {
      finish({ exitCode: null, signal: null, spawnError: "empty command", pid: null });
      return;
    }
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(program, args, {
        stdio: ["ignore", "ignore", "pipe"],
        detached: true, // a new session and process group: the timeout can kill the script's children too
        uid: options.uid,
        gid: options.gid,
        env: options.env ?? { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
      });
    } catch (error) {
      finish({ exitCode: null, signal: null, spawnError: String((error as Error).message ?? error), pid: null });
      return;
    }
    const pid = child.pid ?? null;
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < STDERR_KEPT) stderr += chunk.toString("utf8").slice(0, STDERR_KEPT - stderr.length);
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      finish({ exitCode: null, signal: null, spawnError: error.code ?? error.message, pid }),
    );
    // The script's stderr may outlive it (a child it left running inherits it): once the script has exited, wait
    // only briefly for the last lines, then close our end, or every such run would leak a descriptor for good.
    child.on("exit", (code, signal) => {
      const done = () => {
        child.stderr?.destroy();
        finish({ exitCode: code, signal, spawnError: null, pid });
      };
      if (!child.stderr || child.stderr.closed) done();
      else {
        const grace = setTimeout(done, STDERR_GRACE_MS);
        child.stderr.once("close", () => {
          clearTimeout(grace);
          done();
        });
      }
    });
    if (options.signal && pid !== null) {
      const signal = options.signal;
      const terminate = () => {
        killGroup(pid, "SIGTERM");
        const kill = setTimeout(() => killGroup(pid, "SIGKILL"), TERM_GRACE_MS);
        child.once("exit", () => clearTimeout(kill));
      };
      if (signal.aborted) terminate();
      else signal.addEventListener("abort", terminate, { once: true });
      child.once("exit", () => signal.removeEventListener("abort", terminate));
    }
    if (options.timeoutMs !== undefined && pid !== null) {
      timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, options.timeoutMs);
    }
  });
}
