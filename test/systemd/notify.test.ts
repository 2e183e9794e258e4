// sd_notify against a real AF_UNIX datagram socket bound here (a path, and an abstract name): every message
// arrives byte-exact, the watchdog pings at half of WATCHDOG_USEC, and without NOTIFY_SOCKET nothing happens.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicMicroseconds } from "../../ffi/index.ts";
import { linuxNotifyHost } from "../../src/adapters/linux/notify-socket.ts";
import { realTimers, type Timers } from "../../src/clock/timers.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import { NotifyReceiver } from "./notify-receiver.ts";
import { type NotifyHost, startWatchdog, SystemdNotifier, takeSystemdEnv, watchdogIntervalMs } from "../../src/systemd/notify.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-notify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const addresses = {
  path: () => join(dir, `notify-${Math.random().toString(36).slice(2)}.sock`),
  abstract: () => `@vipd-test-notify-${process.pid}-${Math.random().toString(36).slice(2)}`,
};

for (const [form, address] of Object.entries(addresses)) {
  describe(`NOTIFY_SOCKET as ${form}`, () => {
    test("READY, RELOADING with MONOTONIC_USEC, STOPPING, STATUS and WATCHDOG arrive byte-exact", () => {
      const receiver = new NotifyReceiver(address());
      const lines: string[] = [];
      const notifier = SystemdNotifier.open({ notifySocket: receiver.address }, linuxNotifyHost, memoryLogs(lines)("systemd"));
      try {
        expect(notifier.enabled).toBe(true);
        notifier.ready();
        expect(receiver.next()).toBe("READY=1");
        const before = monotonicMicroseconds();
        notifier.reloading();
        const after = monotonicMicroseconds();
        const reloading = receiver.next();
        const match = /^RELOADING=1\nMONOTONIC_USEC=(\d+)$/.exec(reloading ?? "");
        expect(match).not.toBeNull();
        const usec = Number(match![1]);
        expect(usec).toBeGreaterThanOrEqual(before);
        expect(usec).toBeLessThanOrEqual(after);
        notifier.status("2 instances MASTER\nline two");
        expect(receiver.next()).toBe("STATUS=2 instances MASTER line two");
        notifier.watchdog();
        expect(receiver.next()).toBe("WATCHDOG=1");
        notifier.stopping();
        expect(receiver.next()).toBe("STOPPING=1");
        expect(receiver.next(50)).toBeNull();
        expect(lines).toEqual([]);
      } finally {
        notifier.close();
        receiver.close();
      }
    });
  });
}

test("MONOTONIC_USEC is CLOCK_MONOTONIC (the uptime clock), not Bun's clock from process start", () => {
  const uptimeUsec = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1e6;
  // /proc/uptime is CLOCK_BOOTTIME (counts suspend): at least CLOCK_MONOTONIC, and close on a server.
  expect(monotonicMicroseconds()).toBeLessThanOrEqual(uptimeUsec + 20_000);
  expect(monotonicMicroseconds()).toBeGreaterThan(performance.now() * 1000);
});

test("without NOTIFY_SOCKET nothing is opened or sent", () => {
  const host: NotifyHost = {
    open: () => {
      throw new Error("must not open");
    },
    monotonicMicroseconds: () => {
      throw new Error("must not read the clock");
    },
  };
  const lines: string[] = [];
  for (const env of [{}, { notifySocket: "" }]) {
    const notifier = SystemdNotifier.open(env, host, memoryLogs(lines)("systemd"));
    expect(notifier.enabled).toBe(false);
    notifier.ready();
    notifier.reloading();
    notifier.status("x");
    notifier.watchdog();
    notifier.stopping();
    expect(startWatchdog(notifier, 10, realTimers)).toBeNull();
    notifier.close();
  }
  expect(lines).toEqual([]);
});

test("a socket that cannot be opened or reached is logged once, never thrown", () => {
  const lines: string[] = [];
  const log = memoryLogs(lines)("systemd");
  const tooLong = SystemdNotifier.open({ notifySocket: `/${"x".repeat(200)}` }, linuxNotifyHost, log);
  expect(tooLong.enabled).toBe(false);
  expect(lines).toEqual([expect.stringContaining("warn systemd: cannot open NOTIFY_SOCKET /xxx")]);

  lines.length = 0;
  const nobody = SystemdNotifier.open({ notifySocket: join(dir, "nobody-listens.sock") }, linuxNotifyHost, log);
  nobody.ready();
  nobody.watchdog();
  nobody.watchdog();
  nobody.close();
  expect(lines).toEqual(["warn systemd: systemd notification failed: sendto failed: ENOENT (errno 2)"]);
});

test("the systemd variables are taken out of the environment (scripts must not inherit them)", () => {
  const env: Record<string, string | undefined> = { NOTIFY_SOCKET: "@x", WATCHDOG_USEC: "10", WATCHDOG_PID: "7", PATH: "/bin" };
  expect(takeSystemdEnv(env)).toEqual({ notifySocket: "@x", watchdogUsec: "10", watchdogPid: "7" });
  expect(env).toEqual({ PATH: "/bin" });
});

test("the watchdog interval is half of WATCHDOG_USEC, for this PID only", () => {
  const lines: string[] = [];
  const log = memoryLogs(lines)("systemd");
  expect(watchdogIntervalMs({}, 42, log)).toBeNull();
  expect(watchdogIntervalMs({ watchdogUsec: "10000000" }, 42, log)).toBe(5000);
  expect(watchdogIntervalMs({ watchdogUsec: "10000000", watchdogPid: "42" }, 42, log)).toBe(5000);
  expect(watchdogIntervalMs({ watchdogUsec: "10000000", watchdogPid: "43" }, 42, log)).toBeNull();
  expect(lines).toEqual([]);
  expect(watchdogIntervalMs({ watchdogUsec: "ten" }, 42, log)).toBeNull();
  expect(watchdogIntervalMs({ watchdogUsec: "0" }, 42, log)).toBeNull();
  expect(lines).toEqual([
    "warn systemd: ignoring WATCHDOG_USEC=ten: not a positive number of microseconds",
    "warn systemd: ignoring WATCHDOG_USEC=0: not a positive number of microseconds",
  ]);
});

test("the watchdog pings at once, then every interval on the given timers, until stopped", () => {
  let now = 0;
  const pending: { at: number; callback: () => void; id: number }[] = [];
  let nextId = 0;
  const timers: Timers = {
    now: () => now,
    setTimeout: (callback, ms) => {
      pending.push({ at: now + ms, callback, id: ++nextId });
      return nextId;
    },
    clearTimeout: (id) => pending.splice(pending.findIndex((p) => p.id === id) >>> 0, 1),
  };
  const sent: number[] = [];
  const host: NotifyHost = {
    open: () => ({ send: (d) => sent.push(d.byteLength === 10 ? now : -1), close: () => {} }),
    monotonicMicroseconds: () => 0,
  };
  const notifier = SystemdNotifier.open({ notifySocket: "@fake" }, host, memoryLogs([])("systemd"));
  const watchdog = startWatchdog(notifier, 5000, timers)!;
  for (let i = 0; i < 3; i++) {
    const due = pending.shift()!;
    now = due.at;
    due.callback();
  }
  expect(sent).toEqual([0, 5000, 10000, 15000]);
  watchdog.stop();
  expect(pending).toEqual([]);
});

test("on a real socket and the real clock, WATCHDOG=1 comes every half of WATCHDOG_USEC", async () => {
  const receiver = new NotifyReceiver(addresses.abstract());
  const notifier = SystemdNotifier.open({ notifySocket: receiver.address }, linuxNotifyHost, memoryLogs([])("systemd"));
  const interval = watchdogIntervalMs({ watchdogUsec: "200000", watchdogPid: String(process.pid) }, process.pid, memoryLogs([])("x"));
  expect(interval).toBe(100);
  const watchdog = startWatchdog(notifier, interval!, realTimers)!;
  try {
    // The pings come from the event loop: let it run 450 ms, then count what arrived.
    await Bun.sleep(450);
    const arrivals: string[] = [];
    for (let i = 0; i < 20; i++) {
      const message = receiver.next(0);
      if (message === null) break;
      arrivals.push(message);
    }
    // At 0, 100, 200, 300 and 400 ms; a loaded machine may make the last one late.
    expect(arrivals.every((m) => m === "WATCHDOG=1")).toBe(true);
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    expect(arrivals.length).toBeLessThanOrEqual(5);
  } finally {
    watchdog.stop();
    notifier.close();
    receiver.close();
  }
});
