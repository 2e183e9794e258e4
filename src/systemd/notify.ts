// systemd's notification protocol (sd_notify): datagrams of NAME=VALUE lines to the socket in $NOTIFY_SOCKET, so
// a Type=notify unit is "started" when the daemon says READY=1 and not merely when the process exists, reloads
// and stops show in `systemctl status`, and a stuck event loop is caught by the watchdog. Without $NOTIFY_SOCKET
// (not under systemd) every call does nothing.

import type { Timers } from "../clock/timers.ts";
import type { Log } from "../daemon/log.ts";

export interface NotifySocket {
  send(datagram: Uint8Array): void;
  close(): void;
}

/** What the protocol needs from the system (src/adapters/linux/notify-socket.ts; fakes in tests). */
export interface NotifyHost {
  /** A datagram socket that sends to `address`: a path, or '@name' for an abstract socket. */
  open(address: string): NotifySocket;
  /** CLOCK_MONOTONIC in microseconds, the clock systemd compares MONOTONIC_USEC with. */
  monotonicMicroseconds(): number;
}

/** The variables systemd passes, taken out of the environment so that scripts started later do not inherit them. */
export interface SystemdEnv {
  notifySocket?: string;
  watchdogUsec?: string;
  watchdogPid?: string;
}

export function takeSystemdEnv(env: Record<string, string | undefined>): SystemdEnv {
  const taken: SystemdEnv = { notifySocket: env.NOTIFY_SOCKET, watchdogUsec: env.WATCHDOG_USEC, watchdogPid: env.WATCHDOG_PID };
  delete env.NOTIFY_SOCKET;
  delete env.WATCHDOG_USEC;
  delete env.WATCHDOG_PID;
  return taken;
}

const encoder = new TextEncoder();
// Encoded once: the watchdog sends it for as long as the daemon runs.
const WATCHDOG = encoder.encode("WATCHDOG=1");

export class SystemdNotifier {
  private failing = false;

  private constructor(
    private readonly socket: NotifySocket | null,
    private readonly host: NotifyHost | null,
    private readonly log: Log,
  ) {}

  /** A notifier for $NOTIFY_SOCKET; a silent one when it is unset, and a logged silent one when it cannot open. */
  static open(env: SystemdEnv, host: NotifyHost, log: Log): SystemdNotifier {
    const address = env.notifySocket;
    if (address === undefined || address === "") return new SystemdNotifier(null, null, log);
    try {
      return new SystemdNotifier(host.open(address), host, log);
    } catch (error) {
      log.warn(`cannot open NOTIFY_SOCKET ${address}, systemd will not hear from vipd: ${(error as Error).message}`);
      return new SystemdNotifier(null, null, log);
    }
  }

  get enabled(): boolean {
    return this.socket !== null;
  }

  /** Started (or reloaded): every instance is running. */
  ready(): void {
    this.sendText("READY=1");
  }

  /** A reload begins; systemd wants the time it started, and READY=1 when it is over. */
  reloading(): void {
    if (this.host === null) return;
    this.sendText(`RELOADING=1\nMONOTONIC_USEC=${this.host.monotonicMicroseconds()}`);
  }

  stopping(): void {
    this.sendText("STOPPING=1");
  }

  /** One line for `systemctl status` (a newline would start another assignment, so none is kept). */
  status(text: string): void {
    this.sendText(`STATUS=${text.replace(/[\r\n]+/g, " ")}`);
  }

  watchdog(): void {
    this.send(WATCHDOG);
  }

  close(): void {
    this.socket?.close();
  }

  private sendText(message: string): void {
    if (this.socket !== null) this.send(encoder.encode(message));
  }

  private send(datagram: Uint8Array): void {
    if (this.socket === null) return;
    try {
      this.socket.send(datagram);
      if (this.failing) this.log.info("systemd notifications go through again");
      this.failing = false;
    } catch (error) {
      // Once per run of failures: a watchdog ping every few seconds must not flood the log.
      if (!this.failing) this.log.warn(`systemd notification failed: ${(error as Error).message}`);
      this.failing = true;
    }
  }
}

/**
 * How often to ping the watchdog: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises; null when there is
 * no watchdog, or it is meant for another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: SystemdEnv, pid: number, log: Log): number | null {
  if (env.watchdogUsec === undefined || env.watchdogUsec === "") return null;
  if (env.watchdogPid !== undefined && env.watchdogPid !== "" && env.watchdogPid !== String(pid)) return null;
  const usec = /^\d+$/.test(env.watchdogUsec) ? Number(env.watchdogUsec) : Number.NaN;
  if (!Number.isSafeInteger(usec) || usec <= 0) {
    log.warn(`ignoring WATCHDOG_USEC=${env.watchdogUsec}: not a positive number of microseconds`);
    return null;
  }
  return usec / 2000;
}

export interface Watchdog {
  stop(): void;
}

/**
 * Pings the watchdog from the event loop every `intervalMs`: if the loop is stuck, the pings stop and systemd
 * restarts the daemon. Null when the notifier is silent.
 */
export function startWatchdog(notifier: SystemdNotifier, intervalMs: number, timers: Timers): Watchdog | null {
  if (!notifier.enabled) return null;
  let handle: unknown = null;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    notifier.watchdog();
    handle = timers.setTimeout(tick, intervalMs);
  };
  tick();
  return {
    stop() {
      stopped = true;
      if (handle !== null) timers.clearTimeout(handle);
    },
  };
}
