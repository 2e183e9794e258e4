// A child process spoken to in lines: commands on its stdin, JSON lines read from its stdout, each wait bounded.
// The checker benchmark's backend (check-backend.ts) is driven this way, in the VM and on the host.

export class LineChild {
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  readonly proc: Bun.Subprocess<"pipe", "pipe", "inherit">;

  constructor(argv: string[]) {
    this.proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    void this.read();
  }

  private async read(): Promise<void> {
    const text = new TextDecoder();
    let partial = "";
    for await (const chunk of this.proc.stdout) {
      partial += text.decode(chunk, { stream: true });
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      this.lines.push(...parts.filter(Boolean));
      this.waiter?.();
    }
    this.waiter?.();
  }

  send(line: string): void {
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
  }

  /** The next JSON line holding `key`, within `ms`; lines before it are dropped. */
  async next<T>(key: string, ms = 60_000): Promise<T> {
    const deadline = performance.now() + ms;
    for (;;) {
      while (this.lines.length) {
        const value = JSON.parse(this.lines.shift()!) as Record<string, unknown>;
        if (key in value) return value[key] as T;
      }
      if (this.proc.exitCode !== null) throw new Error(`${key}: the child exited ${this.proc.exitCode}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${key}: no answer within ${ms} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.waiter = null;
    }
  }

  async stop(): Promise<void> {
    this.proc.stdin.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), 10_000);
    });
    const outcome = await Promise.race([this.proc.exited, late]);
    clearTimeout(timer);
    if (outcome === "late") this.proc.kill("SIGKILL");
  }
}
