// Runs a tracking or notify script: without a shell, as a given user, in its own process group so that a
// timeout kills the script and everything it started, and without ever rejecting: the daemon must not stop
// because a script misbehaves.

import type { Subprocess } from "bun";

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
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    let stderr = "";
    const finish = (result: Omit<RunResult, "durationMs" | "stderr" | "timedOut">) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ ...result, timedOut, stderr, durationMs: performance.now() - started });
    };
    const [program] = options.argv;
    if (!program) {
      finish({ exitCode: null, signal: null, spawnError: "empty command", pid: null });
      return;
    }
    // Bun.spawn, not node:child_process: over 100 runs of a script writing a line to stderr, a run through node's
    // streams left ≈ 65 KB of buffers for the collector (≈ 27 KiB more anonymous memory per run until a
    // collection), one through Bun's own ≈ 12 KB (≈ 9 KiB).
    let child: Subprocess<"ignore", "ignore", "pipe">;
    try {
      child = Bun.spawn(options.argv as string[], {
        stdio: ["ignore", "ignore", "pipe"],
        detached: true, // a new session and process group: the timeout can kill the script's children too
        uid: options.uid,
        gid: options.gid,
        env: options.env ?? { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      finish({ exitCode: null, signal: null, spawnError: e.code ?? String(e.message ?? error), pid: null });
      return;
    }
    const pid = child.pid;
    const reading = readStart(child.stderr);
    let exited = false;
    if (options.signal) {
      const signal = options.signal;
      const terminate = () => {
        killGroup(pid, "SIGTERM");
        const kill = setTimeout(() => {
          if (!exited) killGroup(pid, "SIGKILL");
        }, TERM_GRACE_MS);
        void child.exited.then(() => clearTimeout(kill));
      };
      if (signal.aborted) terminate();
      else signal.addEventListener("abort", terminate, { once: true });
      void child.exited.then(() => signal.removeEventListener("abort", terminate));
    }
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroup(pid, "SIGKILL");
      }, options.timeoutMs);
    }
    // The script's stderr may outlive it (a child it left running inherits it): once the script has exited, wait
    // only briefly for the last lines, then close our end, or every such run would leak a descriptor for good.
    void child.exited.then(async () => {
      exited = true;
      let grace: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((done) => {
        grace = setTimeout(done, STDERR_GRACE_MS);
      });
      await Promise.race([reading.done, late]);
      clearTimeout(grace);
      stderr = reading.text();
      reading.stop();
      const signalCode = child.signalCode;
      finish({ exitCode: child.exitCode, signal: typeof signalCode === "number" ? String(signalCode) : signalCode, spawnError: null, pid });
    });
  });
}

const decoder = new TextDecoder();

/**
 * Reads a pipe to its end, keeping only its first STDERR_KEPT bytes (the rest is read and dropped, so that a chatty
 * script never blocks on a full pipe).
 */
function readStart(stream: ReadableStream<Uint8Array>): { done: Promise<void>; text: () => string; stop: () => void } {
  const kept = new Uint8Array(STDERR_KEPT);
  let length = 0;
  const reader = stream.getReader();
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        if (length < STDERR_KEPT) {
          const take = Math.min(value.length, STDERR_KEPT - length);
          kept.set(value.subarray(0, take), length);
          length += take;
        }
      }
    } catch {
      // cancelled after the grace period, or the pipe failed: what was read is what there is
    }
  })();
  return {
    done,
    text: () => decoder.decode(kept.subarray(0, length)),
    stop: () => void reader.cancel().catch(() => {}),
  };
}
