// The checker benchmark's pure parts (bench/lib/checkers-plan.ts), without the VM: the keepalived.conf it writes
// and what `vipd convert` makes of it, where each real server lives, the detection bound, and the arithmetic of
// its figures (CPU per 1,000 checks a second, intervals between checks, advert lateness, /proc parsing).

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  advertTiming,
  captureTimes,
  checkerTicks,
  cpuPer1000ChecksPerSecond,
  destinationCount,
  detectionBoundMs,
  HANG_PORT,
  IntervalTracker,
  keepalivedConf,
  portsFor,
  procHex,
  REFUSE_PORT,
  spread,
  statParent,
  statSystemTicks,
  statTicks,
  TARGET_PORT,
  target,
  targetIndex,
  timeWaitCount,
  VICTIM,
} from "../../bench/lib/checkers-plan.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { convertKeepalived } from "../../src/convert/convert.ts";

const TIMING = { delayLoopS: 1, connectTimeoutS: 2, retry: 1, delayBeforeRetryS: 1 };

function converted(conf: string) {
  const dir = mkdtempSync(join(tmpdir(), "vipd-checkers-plan-"));
  try {
    writeFileSync(join(dir, "k.conf"), conf);
    const result = convertKeepalived(join(dir, "k.conf"));
    expect(result.lossy).toBe(false);
    const loaded = loadConfigText(result.toml!, "k.toml");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    return loaded.config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("targets: 250 addresses a port, each (address, port) its own index; the victim and failing ports are none", () => {
  expect(target(0)).toEqual({ address: "198.51.100.1", port: TARGET_PORT });
  expect(target(251)).toEqual({ address: "198.51.100.2", port: TARGET_PORT + 1 });
  for (const j of [0, 249, 250, 9_999, 24_999]) expect(targetIndex(target(j).address, target(j).port)).toBe(j);
  expect(targetIndex(VICTIM.address, VICTIM.port)).toBe(-1);
  expect(targetIndex("198.51.100.1", REFUSE_PORT)).toBe(-1);
  expect(targetIndex("203.0.113.1", TARGET_PORT)).toBe(-1);
  expect(portsFor(501, TARGET_PORT)).toEqual([TARGET_PORT, TARGET_PORT + 1, TARGET_PORT + 2]);
});

test("the load configuration: every real server checked, 100 to a service, and vipd convert keeps them all", () => {
  const conf = keepalivedConf({ vrrp: false, groups: [{ kind: "TCP_CHECK", count: 250, basePort: TARGET_PORT }], timing: TIMING });
  expect(conf.match(/real_server /g)).toHaveLength(250);
  expect(conf.match(/TCP_CHECK \{/g)).toHaveLength(250);
  expect(conf).not.toContain("vrrp_instance");
  const config = converted(conf);
  expect(config.virtualServers).toHaveLength(3);
  const servers = config.virtualServers.flatMap((vs) => vs.realServers);
  expect(servers).toHaveLength(250);
  expect(servers.every((rs) => rs.checks.length === 1 && rs.checks[0]!.definition.kind === "TCP_CHECK")).toBe(true);
  expect(servers.at(-1)).toMatchObject({ address: "198.51.100.250", port: TARGET_PORT });
  const first = config.virtualServers[0]!.realServers[0]!.checks[0]!.definition;
  if (first.kind === "FILE_CHECK") throw new Error("a TCP_CHECK was expected");
  expect(first.timing).toMatchObject({
    delayLoopMs: 1000,
    retry: 1,
    delayBeforeRetryMs: 1000,
  });
});

test("the failing configuration: the VRRP instance, refused TCP checks and hung HTTP checks; the victim first", () => {
  const conf = keepalivedConf({
    vrrp: true,
    groups: [
      { kind: "TCP_CHECK", count: 3, basePort: REFUSE_PORT },
      { kind: "HTTP_GET", count: 2, basePort: HANG_PORT },
    ],
    timing: TIMING,
    extra: [VICTIM],
  });
  const config = converted(conf);
  expect(config.instances).toHaveLength(1);
  expect(config.instances[0]).toMatchObject({ virtualRouterId: 51, interface: "d0" });
  const servers = config.virtualServers.flatMap((vs) => vs.realServers);
  expect(servers.map((rs) => `${rs.address}:${rs.port} ${rs.checks[0]!.definition.kind}`)).toEqual([
    `${VICTIM.address}:${VICTIM.port} TCP_CHECK`,
    `198.51.100.1:${REFUSE_PORT} TCP_CHECK`,
    `198.51.100.2:${REFUSE_PORT} TCP_CHECK`,
    `198.51.100.3:${REFUSE_PORT} TCP_CHECK`,
    `198.51.100.1:${HANG_PORT} HTTP_GET`,
    `198.51.100.2:${HANG_PORT} HTTP_GET`,
  ]);
});

test("the detection bound: delay_loop + retry × delay_before_retry + (retry + 1) × connect_timeout", () => {
  expect(detectionBoundMs({ delayLoopS: 2, connectTimeoutS: 1, retry: 2, delayBeforeRetryS: 1 })).toEqual({
    boundMs: 7000,
    refusedMinMs: 2000,
    refusedMaxMs: 4000,
  });
  expect(detectionBoundMs({ delayLoopS: 6, connectTimeoutS: 5, retry: 0, delayBeforeRetryS: 1 }).boundMs).toBe(11_000);
});

test("/proc parsing: utime + stime and the parent, with a command name holding spaces and parentheses", () => {
  const stat = "4242 (vipd (checker) x) S 4000 4242 4242 0 -1 4194560 100 0 0 0 123 45 0 0 20 0 9 0 777 1000 200";
  expect(statTicks(stat)).toBe(168);
  expect(statParent(stat)).toBe(4000);
  expect(statTicks(stat, true)).toBe(0 + 0);
  expect(statTicks("1 (d) S 0 1 1 0 -1 0 0 0 0 0 10 5 30 7 20 0 1 0 1 1 1", true)).toBe(37);
  expect(() => statTicks("4242 (x) S 1")).toThrow("not a /proc/PID/stat line");
  // The kernel's part alone: stime, or cstime of reaped children.
  expect(statSystemTicks("1 (d) S 0 1 1 0 -1 0 0 0 0 0 10 5 30 7 20 0 1 0 1 1 1")).toBe(5);
  expect(statSystemTicks("1 (d) S 0 1 1 0 -1 0 0 0 0 0 10 5 30 7 20 0 1 0 1 1 1", true)).toBe(7);
  const ipvs = [
    "IP Virtual Server version 1.2.1 (size=4096)",
    "Prot LocalAddress:Port Scheduler Flags",
    "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn",
    "TCP  CB007101:0050 rr",
    `  -> ${procHex("198.51.100.1", 10_999)}      Masq    1      0          0`,
    "  -> C6336402:2710      Masq    1      0          0",
  ].join("\n");
  expect(procHex("198.51.100.1", 10_999)).toBe("C6336401:2AF7");
  expect(destinationCount(ipvs)).toBe(2);
});

test("a checker's CPU over a window, also when the daemon replaced it meanwhile", () => {
  // Kept: its own ticks went 100 → 160.
  expect(checkerTicks({ checker: 100, reaped: 5, pid: 7 }, { checker: 160, reaped: 5, pid: 7 })).toBe(60);
  // Replaced: the old one ended at 130 (waited for, so in the parent's reaped time), the new one has used 20.
  expect(checkerTicks({ checker: 100, reaped: 5, pid: 7 }, { checker: 20, reaped: 135, pid: 9 })).toBe(50);
});

test("CPU per 1,000 checks a second: the cost whatever rate was reached", () => {
  // 0.5 CPU-seconds in 10 s is 5 % of a core, for 500 checks a second: 10 % per 1,000 checks/s.
  expect(cpuPer1000ChecksPerSecond(0.5, 10, 5000)).toBeCloseTo(10, 9);
  expect(cpuPer1000ChecksPerSecond(0.5, 10, 0)).toBeNaN();
  expect(spread([3, 1, 2])).toEqual({ n: 3, min: 1, median: 2, max: 3 });
  expect(spread([4, 1, 2, 3]).median).toBe(2.5);
  expect(spread([]).n).toBe(0);
});

test("intervals between checks of one target: late ones counted, a window keeps each target's last check", () => {
  const tracker = new IntervalTracker(10, 1250);
  for (let t = 1000; t <= 4000; t += 1000) tracker.record(0, t); // on time
  tracker.record(1, 1000);
  tracker.record(1, 2500); // late
  tracker.record(-1, 3000); // not a target
  tracker.record(10, 3000);
  expect(tracker.report()).toEqual({ checks: 6, targetsSeen: 2, intervals: 4, late: 1, maxIntervalMs: 1500, p99IntervalMs: 1500 });
  tracker.reset();
  expect(tracker.report()).toMatchObject({ checks: 0, targetsSeen: 0, intervals: 0, late: 0 });
  tracker.record(0, 5100); // its interval spans the reset
  expect(tracker.report()).toMatchObject({ checks: 1, targetsSeen: 1, intervals: 1, late: 0, maxIntervalMs: 1100 });
});

test("advert timing from a tcpdump -tt capture: lateness against advert_int", () => {
  const capture = [
    "1764760000.000000 IP 192.0.2.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20",
    "1764760001.004000 IP 192.0.2.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20",
    "1764760002.000000 IP 192.0.2.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20",
    "1764760003.250000 IP 192.0.2.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20",
    "tcpdump: 4 packets captured",
  ].join("\n");
  const times = captureTimes(capture);
  expect(times).toHaveLength(4);
  const timing = advertTiming(times, 1000);
  expect(timing.adverts).toBe(4);
  expect(timing.lateness.min).toBeCloseTo(-4, 3);
  expect(timing.lateness.max).toBeCloseTo(250, 3);
  expect(timing.late).toBe(1);
});

test("TIME_WAIT sockets from a /proc/net/sockstat text", () => {
  const sockstat = "sockets: used 120\nTCP: inuse 4 orphan 0 tw 25031 alloc 9 mem 2\nUDP: inuse 1 mem 0\n";
  expect(timeWaitCount(sockstat)).toBe(25031);
  expect(() => timeWaitCount("UDP: inuse 1 mem 0\n")).toThrow(/tw count/);
});
