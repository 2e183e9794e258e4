// Runs the real keepalived (2.2.7) in a lab host with private pid files, its log on stdout (-l), and stops it
// (and its VRRP child, identified by the PID it wrote and its start time) on request.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { identifyProcess, type ProcessIdentity, signalProcess } from "../../src/lab/process-identity.ts";
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
    const proc = lab.spawn(host, [
      "sh",
      "-c",
      'exec "$0" "$@" 2>&1',
      "keepalived",
      "-n",
      "-l",
      "-D",
      "-P",
      "-f",
      conf,
      "-p",
      pid("main"),
      "-r",
      pid("vrrp"),
      "-c",
      pid("checkers"),
      "-b",
      pid("bfd"),
    ]);
    return new Keepalived(proc, pid("vrrp"));
  }

  /** The log so far. */
  get log(): string {
    return this.proc.lines.join("\n");
  }

  waitLog(pattern: RegExp, timeoutMs: number, from = 0): Promise<{ line: string; index: number }> {
    return this.proc.waitLine((l) => pattern.test(l), timeoutMs, from);
  }

  /** keepalived's VRRP child (by the PID it wrote to its pid file), or null before it wrote one or once it exited. */
  vrrpChild(): ProcessIdentity | null {
    if (!existsSync(this.vrrpPidFile)) return null;
    return identifyProcess(Number(readFileSync(this.vrrpPidFile, "utf8").trim()));
  }

  /**
   * A crash: the VRRP child dies by SIGKILL, sends no priority-0 advert and leaves its VIPs behind. Killing only the
   * parent is not a crash: the child (PR_SET_PDEATHSIG) would shut down gracefully. The parent is stopped first
   * (SIGSTOP) so it cannot respawn the child, then killed. Only these two PIDs, both started by this test.
   */
  async crash(): Promise<void> {
    const child = this.vrrpChild();
    if (!child) throw new Error("keepalived's VRRP child is not running (no pid file yet, or it exited)");
    this.proc.proc.kill("SIGSTOP");
    try {
      if (!signalProcess(child, "SIGKILL")) throw new Error(`keepalived's VRRP child (pid ${child.pid}) exited before the crash`);
    } finally {
      this.proc.proc.kill("SIGKILL"); // never leave the parent stopped
    }
    await Promise.race([this.proc.proc.exited, Bun.sleep(2000)]);
    if (!this.proc.exited) throw new Error(`keepalived (pid ${this.proc.pid}) did not exit after SIGKILL`);
  }

  async stop(): Promise<void> {
    const child = this.vrrpChild();
    await this.proc.stop(3000);
    // The VRRP child exits with its parent; if it did not, stop it (if that PID is still the same process).
    if (child) signalProcess(child, "SIGKILL");
  }
}
