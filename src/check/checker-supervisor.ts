// Keeps one checker process running while there are checks: started with the current plan, sent every new plan,
// and restarted (with the state the daemon knows, so nothing is flushed) when it exits or stops sending its
// heartbeat. A restart comes at once the first time and backs off to at most RESTART_MAX_MS while it keeps failing.

import type { Timers } from "../clock/timers.ts";
import type { Log } from "../daemon/log.ts";
import type { CheckReport, PlannedCheck } from "./check-runner.ts";
import type { CheckerChannel, SpawnChecker } from "./checker-process.ts";
import { HEARTBEAT_LOST_MS, HEARTBEAT_MS } from "./checker-protocol.ts";

const RESTART_MAX_MS = 1000;
/** A checker that ran this long without trouble resets the back-off. */
const STABLE_MS = 10_000;

export class CheckerSupervisor {
  private channel: CheckerChannel | null = null;
  private lastHeardMs = 0;
  private startedMs = 0;
  private failures = 0;
  private watchdog: unknown = null;
  private restartTimer: unknown = null;
  private stopped = false;
  /** Checker processes started after the first (crashes and silences). */
  restarts = 0;

  constructor(
    private readonly spawn: SpawnChecker,
    private readonly timers: Timers,
    private readonly log: Log,
    private readonly plan: () => PlannedCheck[],
    private readonly onReport: (report: CheckReport) => void,
  ) {}

  /** The plan changed: send it, start a checker if there is none, stop it when there is nothing to check. */
  replan(): void {
    if (this.stopped) return;
    const checks = this.plan();
    if (checks.length === 0) {
      this.halt();
      return;
    }
    if (this.channel === null && this.restartTimer === null) this.start();
    else this.channel?.send({ type: "plan", checks });
  }

  get pid(): number | null {
    return this.channel?.pid ?? null;
  }

  stop(): void {
    this.stopped = true;
    this.halt();
  }

  private start(): void {
    // Declared first: a spawner may deliver events before it returns.
    let channel: CheckerChannel | null = null;
    channel = this.spawn({
      onMessage: (message) => {
        if (this.channel !== channel) return;
        this.lastHeardMs = this.timers.now();
        if (message.type === "report") this.onReport(message.report);
      },
      onMalformed: (line) => this.log.warn(`checker process sent a malformed line, ignored: ${line.slice(0, 200)}`),
      onStderr: (line) => this.log.warn(line),
      onExit: (code, signal) => {
        if (this.channel !== channel) return;
        this.channel = null;
        this.log.error(`checker process ${channel?.pid ?? "?"} exited (${signal ?? `status ${code}`}); starting a new one`);
        this.scheduleRestart();
      },
    });
    this.channel = channel;
    this.startedMs = this.timers.now();
    this.lastHeardMs = this.startedMs;
    channel.send({ type: "plan", checks: this.plan() });
    if (this.watchdog === null) this.armWatchdog();
  }

  private armWatchdog(): void {
    this.watchdog = this.timers.setTimeout(() => {
      this.watchdog = null;
      if (this.stopped) return;
      const channel = this.channel;
      const silentMs = this.timers.now() - this.lastHeardMs;
      if (channel !== null && silentMs > HEARTBEAT_LOST_MS) {
        this.log.error(`checker process ${channel.pid ?? "?"} silent for ${Math.round(silentMs)} ms; killing it and starting a new one`);
        this.channel = null;
        channel.kill();
        this.scheduleRestart();
      }
      if (this.channel !== null || this.restartTimer !== null) this.armWatchdog();
    }, HEARTBEAT_MS);
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer !== null) return;
    if (this.timers.now() - this.startedMs > STABLE_MS) this.failures = 0;
    const delay = this.failures === 0 ? 0 : Math.min(RESTART_MAX_MS, 100 * 2 ** (this.failures - 1));
    this.failures++;
    this.restartTimer = this.timers.setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped || this.plan().length === 0) return;
      this.restarts++;
      this.start();
    }, delay);
  }

  private halt(): void {
    this.timers.clearTimeout(this.watchdog);
    this.timers.clearTimeout(this.restartTimer);
    this.watchdog = null;
    this.restartTimer = null;
    const channel = this.channel;
    this.channel = null;
    channel?.kill();
  }
}
