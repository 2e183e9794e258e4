// Runs the real keepalived (2.2.7) in a lab host with private pid files, its log on stdout (-l), and stops it
// (and its VRRP child, by the PID it wrote) on request.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab, LabProcess } from "./harness.ts";

export class Keepalived {
  private constructor(
    readonly proc: LabProcess,
    private readonly vrrpPidFile: string,
  ) {}

  static start(lab: Lab, host: string, name: string, config: string): Keepalived {
    if (!Bun.which("keepalived")) throw new Error("keepalived is required (apt-get install -y keepalived)");
    const conf = join(lab.dir, `${name}.conf`);
    writeFileSync(conf, config);
    const pid = (what: string) => join(lab.dir, `${name}.${what}.pid`);
    // -n foreground, -l log to the console (stderr, folded into stdout; `exec` keeps keepalived's own PID),
    // -D detailed; private pid files so parallel runs never collide.
    const proc = lab.spawn(host, ["sh", "-c", 'exec "$0" "$@" 2>&1', "keepalived", "-n", "-l", "-D", "-P", "-f", conf, "-p", pid("main"), "-r", pid("vrrp"), "-c", pid("checkers"), "-b", pid("bfd")]);
    return new Keepalived(proc, pid("vrrp"));
  }

  /** The log so far. */
  get log(): string {
    return this.proc.lines.join("\n");
  }

  waitLog(pattern: RegExp, timeoutMs: number, from = 0): Promise<{ line: string; index: number }> {
    return this.proc.waitLine((l) => pattern.test(l), timeoutMs, from);
  }

  async stop(): Promise<void> {
    const child = existsSync(this.vrrpPidFile) ? Number(readFileSync(this.vrrpPidFile, "utf8").trim()) : 0;
    await this.proc.stop(3000);
    // The VRRP child exits with its parent; if it did not, stop it by the PID it recorded.
    if (child > 1) {
      try {
        process.kill(child, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
