// The checker benchmark's pure half (bench/checkers.ts): the keepalived.conf of each phase, where each real server
// lives, the detection bound, and the arithmetic of the figures (CPU per 1,000 checks a second, intervals between
// checks of one target, advert intervals). No I/O: test/bench/checkers.test.ts runs it without the VM.
//
// Real servers: target j is 198.51.100.(1 + j mod 250) on port TARGET_PORT + ⌊j / 250⌋; the director's namespace
// routes all of 198.51.100.0/24 to itself (a `local` route), so one backend process listening on a few ports answers
// every address. Virtual services hold SERVERS_PER_SERVICE real servers each: 203.0.113.(1 + s mod 250), port 80 + ⌊s / 250⌋.

import { statFields } from "../../src/lab/process-identity.ts";

export const TARGET_PORT = 10_000;
/** At most 100 ports of 250 addresses: 25,000 targets. */
export const MAX_TARGETS = 25_000;
/** Ports where nothing listens (checks are refused) and where the backend accepts and never answers (checks hang). */
export const REFUSE_PORT = 20_000;
export const HANG_PORT = 30_000;
/** The detection phase's victim: alone on its port, so closing that port kills one backend and nothing else. */
export const VICTIM = { address: "198.51.100.1", port: 10_999 };
export const SERVERS_PER_SERVICE = 100;
/** The VRRP instance whose adverts the receiver times (advert_int 1). */
export const VRRP = { interface: "d0", vrid: 51, vip: "192.0.2.100/24", advertMs: 1000 };

export type CheckKind = "TCP_CHECK" | "HTTP_GET";

export interface CheckTiming {
  delayLoopS: number;
  connectTimeoutS: number;
  retry: number;
  delayBeforeRetryS: number;
}

export interface Target {
  address: string;
  port: number;
}

export function target(j: number, basePort = TARGET_PORT): Target {
  return { address: `198.51.100.${1 + (j % 250)}`, port: basePort + Math.floor(j / 250) };
}

/** The index a (local address, port) has among the targets, or -1 outside them (the victim, failing ports). */
export function targetIndex(address: string, port: number): number {
  const dot = address.lastIndexOf(".");
  const octet = Number(address.slice(dot + 1));
  const slot = port - TARGET_PORT;
  if (!address.startsWith("198.51.100.") || octet < 1 || octet > 250 || slot < 0 || slot >= MAX_TARGETS / 250) return -1;
  return slot * 250 + octet - 1;
}

/** The ports a phase's backend listens on for `count` targets from `basePort`. */
export function portsFor(count: number, basePort: number): number[] {
  return Array.from({ length: Math.ceil(count / 250) }, (_, i) => basePort + i);
}

function checkBlock(kind: CheckKind, t: CheckTiming): string[] {
  const common = [
    `      connect_timeout ${t.connectTimeoutS}`,
    `      retry ${t.retry}`,
    `      delay_before_retry ${t.delayBeforeRetryS}`,
  ];
  if (kind === "TCP_CHECK") return ["    TCP_CHECK {", ...common, "    }"];
  return ["    HTTP_GET {", "      url {", "        path /health", "        status_code 200", "      }", ...common, "    }"];
}

export interface CheckGroup {
  kind: CheckKind;
  count: number;
  /** The first port of the group's targets (TARGET_PORT, REFUSE_PORT, HANG_PORT). */
  basePort: number;
}

function vrrpInstance(): string[] {
  return [
    "vrrp_instance VI_1 {",
    "  state MASTER",
    `  interface ${VRRP.interface}`,
    `  virtual_router_id ${VRRP.vrid}`,
    "  priority 150",
    `  advert_int ${VRRP.advertMs / 1000}`,
    "  virtual_ipaddress {",
    `    ${VRRP.vip}`,
    "  }",
    "}",
  ];
}

/**
 * A keepalived.conf: the VRRP instance (with `vrrp`), then every group's real servers, SERVERS_PER_SERVICE to a
 * virtual service; `extra` real servers (the victim) go into the first service.
 */
export function keepalivedConf(options: { vrrp: boolean; groups: CheckGroup[]; timing: CheckTiming; extra?: Target[] }): string {
  const out = ["global_defs {", "  router_id bench", "}", ...(options.vrrp ? vrrpInstance() : [])];
  const servers: { target: Target; kind: CheckKind }[] = [];
  for (const extra of options.extra ?? []) servers.push({ target: extra, kind: "TCP_CHECK" });
  for (const group of options.groups) {
    for (let j = 0; j < group.count; j++) servers.push({ target: target(j, group.basePort), kind: group.kind });
  }
  for (let s = 0; s * SERVERS_PER_SERVICE < servers.length; s++) {
    out.push(
      `virtual_server 203.0.113.${1 + (s % 250)} ${80 + Math.floor(s / 250)} {`,
      `  delay_loop ${options.timing.delayLoopS}`,
      "  lb_algo rr",
      "  lb_kind NAT",
      "  protocol TCP",
    );
    for (const { target: t, kind } of servers.slice(s * SERVERS_PER_SERVICE, (s + 1) * SERVERS_PER_SERVICE)) {
      out.push(`  real_server ${t.address} ${t.port} {`, "    weight 1", ...checkBlock(kind, options.timing), "  }");
    }
    out.push("}");
  }
  return `${out.join("\n")}\n`;
}

/**
 * The longest keepalived's documented timing allows from a backend's death to its removal: the next check comes at
 * most delay_loop after the last good one, then `retry` more, delay_before_retry apart, each taking at most
 * connect_timeout. A refused connection fails at once, so that case ends between retry × delay_before_retry and
 * delay_loop + retry × delay_before_retry.
 */
export function detectionBoundMs(t: CheckTiming): { boundMs: number; refusedMinMs: number; refusedMaxMs: number } {
  const retries = t.retry * t.delayBeforeRetryS * 1000;
  return {
    boundMs: t.delayLoopS * 1000 + retries + (t.retry + 1) * t.connectTimeoutS * 1000,
    refusedMinMs: retries,
    refusedMaxMs: t.delayLoopS * 1000 + retries,
  };
}

/** ADDR:PORT as /proc/net/ip_vs writes it: hex, upper case, network order. */
export function procHex(address: string, port: number): string {
  const hex = address
    .split(".")
    .map((b) => Number(b).toString(16).padStart(2, "0"))
    .join("");
  return `${hex}:${port.toString(16).padStart(4, "0")}`.toUpperCase();
}

/** Destinations (real servers) in a /proc/net/ip_vs text. */
export function destinationCount(text: string): number {
  let n = 0;
  for (const line of text.split("\n")) if (line.startsWith("  -> ") && !line.includes("RemoteAddress")) n++;
  return n;
}

/**
 * utime + stime in clock ticks from a /proc/PID/stat line (the command name may hold spaces and parentheses);
 * with `reaped`, cutime + cstime instead: the children that have exited and were waited for.
 */
export function statTicks(text: string, reaped = false): number {
  const fields = afterName(text);
  return reaped ? Number(fields[16 - 3]) + Number(fields[17 - 3]) : Number(fields[14 - 3]) + Number(fields[15 - 3]);
}

/** The kernel's part of statTicks: stime, or with `reaped` cstime. */
export function statSystemTicks(text: string, reaped = false): number {
  return Number(afterName(text)[(reaped ? 17 : 15) - 3]);
}

/** statFields (field 3 at index 0), or the error a malformed line deserves. */
function afterName(text: string): string[] {
  const fields = statFields(text);
  if (fields === null) throw new Error(`not a /proc/PID/stat line: ${text.slice(0, 80)}`);
  return fields;
}

/**
 * The CPU a checker process used over a window even when the daemon replaced it meanwhile (vipd restarts a checker
 * whose heartbeat stops): a replaced one's time went into its parent's reaped children's time when it was waited for.
 */
export function checkerTicks(start: CheckerSample, end: CheckerSample): number {
  // Replaced: its whole time is in end.reaped, less what it had used before the window; the new one's is all in it.
  return end.reaped - start.reaped + end.checker - start.checker;
}

/** The live checker's own ticks and its parent's reaped children's, read together. */
export interface CheckerSample {
  checker: number;
  reaped: number;
  pid: number;
}

/** The parent PID (field 4) of a /proc/PID/stat line. */
export function statParent(text: string): number {
  return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
}

/** Percent of one core spent per 1,000 checks a second: the cost of checking, whatever rate was reached. */
export function cpuPer1000ChecksPerSecond(cpuSeconds: number, windowSeconds: number, checks: number): number {
  if (checks === 0) return Number.NaN;
  const cpuPercent = (cpuSeconds / windowSeconds) * 100;
  const checksPerSecond = checks / windowSeconds;
  return (cpuPercent / checksPerSecond) * 1000;
}

export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n: sorted.length, min: sorted[0]!, median, max: sorted.at(-1)! };
}

/** What the backend saw of the checks in one window. */
export interface IntervalReport {
  /** Connections to any target. */
  checks: number;
  /** Targets checked at least once. */
  targetsSeen: number;
  /** Intervals between two checks of one target, and how many exceeded the late threshold. */
  intervals: number;
  late: number;
  maxIntervalMs: number;
  p99IntervalMs: number;
}

/**
 * Intervals between successive checks of each target, as the backend sees them. A check is late when it comes more
 * than `lateMs` after the previous one of its target (delay_loop plus a margin for the check itself).
 * Preallocated: the backend records every connection and must stay cheap.
 */
export class IntervalTracker {
  private readonly last: Float64Array;
  private readonly seen: Uint8Array;
  /** Intervals in 10 ms buckets up to 60 s, for the 99th percentile. */
  private readonly buckets = new Uint32Array(6001);
  private checks = 0;
  private targetsSeen = 0;
  private intervals = 0;
  private late = 0;
  private maxIntervalMs = 0;

  constructor(
    size: number,
    private readonly lateMs: number,
  ) {
    this.last = new Float64Array(size);
    this.seen = new Uint8Array(size);
  }

  record(index: number, nowMs: number): void {
    if (index < 0 || index >= this.last.length) return;
    this.checks++;
    if (!this.seen[index]) {
      this.seen[index] = 1;
      this.targetsSeen++;
    }
    const previous = this.last[index]!;
    this.last[index] = nowMs;
    if (previous === 0) return;
    const interval = nowMs - previous;
    this.intervals++;
    if (interval > this.lateMs) this.late++;
    if (interval > this.maxIntervalMs) this.maxIntervalMs = interval;
    this.buckets[Math.min(this.buckets.length - 1, Math.floor(interval / 10))]!++;
  }

  /** Starts a window: counts cleared, each target's last check kept (the first interval spans the start). */
  reset(): void {
    this.seen.fill(0);
    this.buckets.fill(0);
    this.checks = 0;
    this.targetsSeen = 0;
    this.intervals = 0;
    this.late = 0;
    this.maxIntervalMs = 0;
  }

  report(): IntervalReport {
    let p99 = 0;
    let below = 0;
    for (let b = 0; b < this.buckets.length; b++) {
      below += this.buckets[b]!;
      if (below >= this.intervals * 0.99) {
        p99 = (b + 1) * 10;
        break;
      }
    }
    return {
      checks: this.checks,
      targetsSeen: this.targetsSeen,
      intervals: this.intervals,
      late: this.late,
      maxIntervalMs: Math.round(this.maxIntervalMs),
      // A bucket's upper edge can pass the largest interval itself.
      p99IntervalMs: this.intervals ? Math.min(p99, Math.ceil(this.maxIntervalMs)) : 0,
    };
  }
}

/** Capture times (seconds, as `tcpdump -tt` prints them) of the lines of a VRRP capture. */
export function captureTimes(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^(\d+\.\d+) IP6? .*VRRP/);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

export interface AdvertTiming {
  adverts: number;
  /** Lateness of each advert after the previous one: interval − advert_int, in ms. */
  lateness: Spread;
  p99LatenessMs: number;
  /** Intervals more than 10 % of advert_int late. */
  late: number;
}

export function advertTiming(times: readonly number[], advertMs: number): AdvertTiming {
  const lateness: number[] = [];
  for (let i = 1; i < times.length; i++) lateness.push((times[i]! - times[i - 1]!) * 1000 - advertMs);
  const sorted = [...lateness].sort((a, b) => a - b);
  return {
    adverts: times.length,
    lateness: spread(lateness),
    p99LatenessMs: sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : Number.NaN,
    late: lateness.filter((l) => l > advertMs * 0.1).length,
  };
}

/** One phase of the guest's run: a keepalived.conf (NAME.conf) and its conversion (NAME.toml) in the run's directory. */
export interface Phase {
  name: string;
  kind: "load" | "detect" | "vrrp";
  /** The backend's ports, PORT:MODE (check-backend.ts). */
  ports: string[];
  /** Real servers in the table once the daemon has settled: all, or 0 when every check fails. */
  settledDestinations: number;
  delayLoopMs: number;
  /** A check arriving this long after the previous one of its target is late. */
  lateMs: number;
}

export interface GuestPlan {
  phases: Phase[];
  windowMs: number;
  vrrpWindowMs: number;
  detectRuns: number;
}

export interface LoadFigures {
  windowS: number;
  /** CPU seconds of the checker process, and of the daemon's processes together (checker included). */
  checkerCpuS: number;
  /** The part of checkerCpuS spent in the kernel (system time). */
  checkerSystemCpuS: number;
  daemonCpuS: number;
  /** Checker processes the daemon replaced during the window (vipd: heartbeat silence or exit). */
  restarts: number;
  /** TCP sockets in TIME_WAIT in the director's namespace when the window opened (earlier runs' included). */
  timeWaitAtStart: number;
  report: IntervalReport;
}

export interface DetectFigures {
  detectMs: number[];
  restoreMs: number[];
}

export interface VrrpFigures {
  /** Capture times of the daemon's adverts, in seconds. */
  advertTimes: number[];
  windowS: number;
  checkerCpuS: number;
  daemonCpuS: number;
  restarts: number;
}

export interface PhaseFigures {
  load?: LoadFigures;
  detect?: DetectFigures;
  vrrp?: VrrpFigures;
  /** The phase could not be measured, and why. */
  error?: string;
}

export type Daemon = "keepalived" | "vipd";
export type GuestResult = Record<string, Record<Daemon, PhaseFigures>>;

/** TCP sockets in TIME_WAIT: the "tw" count of a /proc/net/sockstat text. */
export function timeWaitCount(sockstat: string): number {
  const tcp = sockstat.match(/^TCP:.* tw (\d+)/m);
  if (!tcp) throw new Error("no TCP tw count in /proc/net/sockstat");
  return Number(tcp[1]);
}
