// A process the lab started (always through `ip netns exec`, which execs the program, so the PID is the
// program's own, and so is its start time: `identity` names it for checks after it may have been reaped). Both output streams are read line by line as they arrive: an unread pipe would block the
// program, and the lines are what the lab waits on and shows when something goes wrong.

import { identifyProcess, type ProcessIdentity } from "./process-identity.ts";

export class LabProcess {
  readonly lines: string[] = [];
  /** PID and start time, read at spawn; null if the program was already gone by then. */
  readonly identity: ProcessIdentity | null;
  private waiters: Array<() => void> = [];
  private pumps: Promise<void>;

  private constructor(
    readonly name: string,
    readonly proc: Bun.Subprocess<"ignore" | "pipe", "pipe", "pipe">,
    /** Called with every stdout line, as it arrives (the capture parses them live). */
    onLine?: (line: string) => void,
  ) {
    this.identity = identifyProcess(proc.pid);
    this.pumps = Promise.all([this.pump(proc.stdout, onLine), this.pump(proc.stderr)]).then(() => undefined);
  }

  /** `stdin: true` keeps a pipe to the program's input (write()); otherwise it reads nothing. */
  static spawn(name: string, argv: string[], onLine?: (line: string) => void, options: { stdin?: boolean } = {}): LabProcess {
    const proc = Bun.spawn(argv, { stdin: options.stdin ? "pipe" : "ignore", stdout: "pipe", stderr: "pipe" });
    return new LabProcess(name, proc, onLine);
  }

  /** Writes to the program's input (spawned with `stdin: true`). */
  write(text: string): void {
    const stdin = this.proc.stdin;
    if (typeof stdin !== "object" || stdin === null) throw new Error(`${this.name} was started without an input pipe`);
    stdin.write(text);
    stdin.flush();
  }

  /** Closes the program's input: a program reading commands from it takes that as "stop". */
  closeInput(): void {
    const stdin = this.proc.stdin;
    if (typeof stdin === "object" && stdin !== null) void stdin.end();
  }

  get pid(): number {
    return this.proc.pid;
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  private async pump(stream: ReadableStream<Uint8Array>, onLine?: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    const take = (line: string) => {
      this.lines.push(line);
      onLine?.(line);
    };
    try {
      for await (const chunk of stream) {
        partial += decoder.decode(chunk, { stream: true });
        const parts = partial.split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) take(line);
        this.wake();
      }
    } catch {
      // The stream ends with the process; an error here only means there is nothing more to read.
    }
    if (partial) take(partial);
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first line (from index `from`) matching `pred`; null after `timeoutMs` or once the process has exited. */
  async waitLine(pred: (line: string) => boolean, timeoutMs: number, from = 0): Promise<string | null> {
    return (await this.findLine(pred, timeoutMs, from))?.line ?? null;
  }

  /** Like waitLine, with the line's index (to wait for what comes after it). */
  async findLine(pred: (line: string) => boolean, timeoutMs: number, from = 0): Promise<{ line: string; index: number } | null> {
    const deadline = performance.now() + timeoutMs;
    for (let scanned = from; ; ) {
      for (; scanned < this.lines.length; scanned++) if (pred(this.lines[scanned]!)) return { line: this.lines[scanned]!, index: scanned };
      const left = deadline - performance.now();
      if (left <= 0) return null;
      if (this.exited) {
        await Promise.race([this.pumps, Bun.sleep(200)]);
        if (scanned >= this.lines.length) return null;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits (bounded) for a line matching `pattern`; throws, with the process's last output, when none comes. */
  async expectLine(pattern: RegExp, timeoutMs: number): Promise<void> {
    if ((await this.waitLine((l) => pattern.test(l), timeoutMs)) !== null) return;
    const why = this.exited ? `exited (${this.proc.exitCode ?? this.proc.signalCode})` : `did not start within ${timeoutMs / 1000} s`;
    throw new Error(`${this.name} ${why}; its last output:\n${this.tail()}`);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.proc.kill(signal);
  }

  /** Waits (bounded) for the exit; true when it exited. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exited) return true;
    await Promise.race([this.proc.exited, Bun.sleep(timeoutMs)]);
    return this.exited;
  }

  /** `signal`, then SIGKILL after `graceMs`. Only this PID, never a name. */
  async stop(graceMs: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.exited) return;
    this.signal(signal);
    if (await this.waitExit(graceMs)) return;
    this.signal("SIGKILL");
    await this.waitExit(1000);
  }

  /** The last lines of output, for error messages. */
  tail(count = 15): string {
    return this.lines.slice(-count).join("\n");
  }
}
