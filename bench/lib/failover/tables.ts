// The benchmark's report: one table per part, vipd and keepalived side by side, with the target and whether
// vipd met it. Pure: every function returns text.

import { OUTAGE_MARGIN_MS } from "../../../src/lab/expected.ts";
import { padTable } from "../../../src/lab/report.ts";
import { masterDownIntervalMs, skewTimeMs } from "../../../src/vrrp/timing.ts";
import type { IdleResult, RuntimeFloor } from "./idle.ts";
import { massMoveFloorMs, MASS_INSTANCES, MASS_INTERVAL_CS, type MassMoveResult } from "./mass-move.ts";
import { OUTAGE_SCENARIOS, runsOf, type OutageConfig, type OutageScenario, type OutageSeries } from "./outage.ts";
import type { SoakResult } from "./soak.ts";
import {
  MEMORY_SOAK_FLAT_MB_PER_HOUR,
  MEMORY_SOAK_FLIP_MS,
  MEMORY_SOAK_INSTANCES,
  MEMORY_SOAK_SAMPLE_MS,
  type MemorySoakResult,
} from "./memory-soak.ts";
import { fmtMs, fmtSummary, summarize } from "./stats.ts";

/** The pair's backup, which takes over on a hard failure or graceful stop. */
const BACKUP_PRIORITY = 140;
const MASTER_PRIORITY = 150;
const met = (ok: boolean | null) => (ok === null ? "n/a" : ok ? "met" : "NOT met");

function floorOf(c: OutageConfig, kind: OutageScenario): string {
  switch (kind) {
    case "hard-failure": {
      // Master_Down runs from the last advert heard, which left up to one interval before the cut.
      const mdi = masterDownIntervalMs(c.version, BACKUP_PRIORITY, c.advertIntervalCs);
      return `${(mdi - c.advertIntervalCs * 10).toFixed(1)}–${fmtMs(mdi)} (3×int+skew)`;
    }
    case "graceful-stop":
      return `${fmtMs(skewTimeMs(c.version, BACKUP_PRIORITY, c.advertIntervalCs))} (skew)`;
    case "preempt":
      return "0 (GARP race)";
  }
}

function targetOf(c: OutageConfig, kind: OutageScenario): string {
  if (kind !== "hard-failure") return "0 lost";
  return `≤ ${fmtMs(masterDownIntervalMs(c.version, BACKUP_PRIORITY, c.advertIntervalCs) + OUTAGE_MARGIN_MS)}`;
}

function pairOf(all: OutageSeries[], c: OutageConfig): { vipd?: OutageSeries; ka?: OutageSeries } {
  const pick = (d: string) => all.find((s) => s.config === c && s.daemon === d);
  return { vipd: pick("vipd"), ka: pick("keepalived") };
}

function outageCells(s: OutageSeries | undefined, kind: OutageScenario): [string, string] {
  const runs = s ? runsOf(s, kind) : [];
  const outage = summarize(runs.map((r) => r.measure.outageMs));
  const lost = summarize(runs.map((r) => r.measure.lost));
  return [fmtSummary(outage), lost ? `${lost.median} / ${lost.max}` : "-"];
}

export function part1Table(configs: OutageConfig[], all: OutageSeries[], runs: number): string {
  const rows = [
    [
      "config",
      "scenario",
      "RFC floor",
      "vipd target",
      "vipd outage ms (med/p90/max)",
      "lost (med/max)",
      "keepalived outage ms",
      "lost",
      "vipd",
    ],
  ];
  const notes: string[] = [];
  for (const c of configs) {
    const { vipd, ka } = pairOf(all, c);
    for (const kind of OUTAGE_SCENARIOS) {
      const vr = vipd ? runsOf(vipd, kind) : [];
      const ok = vr.length === runs && vr.every((r) => r.verdict.pass);
      for (const r of vr.filter((r) => !r.verdict.pass)) notes.push(`  vipd ${c.label} ${kind}: ${r.verdict.reason}`);
      rows.push([
        c.label,
        kind,
        floorOf(c, kind),
        targetOf(c, kind),
        ...outageCells(vipd, kind),
        ...outageCells(ka, kind),
        met(vr.length === 0 ? false : ok),
      ]);
    }
    for (const s of [vipd, ka]) if (s?.error) notes.push(`  ${s.daemon} ${c.label}: stopped early: ${s.error.split("\n")[0]}`);
  }
  return [
    `Part 1 — outage seen by the client (ping every 2 ms), ${runs} run(s) per cell; outage = longest gap between replies`,
    ...padTable(rows),
    `  hard failure target = Master_Down_Interval of the backup (priority ${BACKUP_PRIORITY}) + ${OUTAGE_MARGIN_MS} ms margin (the lab's)`,
    ...notes,
  ].join("\n");
}

/** Timer jitter allowed when comparing medians of a handful of runs. */
const TAKEOVER_TOLERANCE_MS = 1;

/**
 * Part 1b: the hard failure with the cut's phase taken out (the old master's last advert → the new master's first
 * gratuitous ARP), which is what the daemon controls: Master_Down_Interval plus its own takeover.
 */
export function hardFailureTable(configs: OutageConfig[], all: OutageSeries[]): string {
  const rows = [
    [
      "config",
      "Master_Down_Interval",
      "vipd ms (med/p90/max)",
      "keepalived ms (med/p90/max)",
      "first takeover: vipd / keepalived",
      `vipd median ≤ keepalived's + ${TAKEOVER_TOLERANCE_MS} ms`,
    ],
  ];
  const values = (s: OutageSeries | undefined) => (s ? runsOf(s, "hard-failure") : []).map((r) => r.advertToGarpMs);
  const known = (v: (number | null)[]) => v.filter((x): x is number => x !== null);
  for (const c of configs) {
    const { vipd, ka } = pairOf(all, c);
    const v = summarize(known(values(vipd)));
    const k = summarize(known(values(ka)));
    const first = `${fmtMs(values(vipd)[0], 2)} / ${fmtMs(values(ka)[0], 2)}`;
    rows.push([
      c.label,
      fmtMs(masterDownIntervalMs(c.version, BACKUP_PRIORITY, c.advertIntervalCs)),
      fmtSummary(v, "", 2),
      fmtSummary(k, "", 2),
      first,
      met(v && k ? v.median <= k.median + TAKEOVER_TOLERANCE_MS : null),
    ]);
  }
  return [
    "Part 1b — hard failure, phase taken out: the old master's last advert → the new master's first gratuitous ARP (on the wire)",
    ...padTable(rows),
    "  (the client's outage in part 1 also depends on where in the advert cycle the cable was cut: a random point, per run)",
    "  first takeover = run 1, the backup's first in its process: its code has never run, as on a daemon that has been BACKUP for months",
  ].join("\n");
}

export function part2Table(configs: OutageConfig[], all: OutageSeries[]): string {
  const rows = [["config", "scenario", "vipd GARP − advert ms (med/p90/max)", "keepalived GARP − advert ms", "vipd target", "vipd"]];
  const cell = (s: OutageSeries | undefined, kind: OutageScenario) => {
    const values = (s ? runsOf(s, kind) : []).map((r) => r.garpMinusAdvertMs).filter((v): v is number => v !== null);
    return { text: fmtSummary(summarize(values), "", 2), values };
  };
  for (const c of configs) {
    const { vipd, ka } = pairOf(all, c);
    for (const kind of OUTAGE_SCENARIOS) {
      const v = cell(vipd, kind);
      rows.push([
        c.label,
        kind,
        v.text,
        cell(ka, kind).text,
        "≤ 0 (GARP first)",
        met(v.values.length === 0 ? false : v.values.every((x) => x <= 0)),
      ]);
    }
  }
  return [
    "Part 2 — takeover on the wire: new master's first gratuitous ARP minus its first advert (negative = GARP first)",
    ...padTable(rows),
  ].join("\n");
}

/** The memory target, in decimal megabytes as written; the tables show MiB. */
/** vipd's own memory (anonymous: heap, stacks, JIT code) with 100 instances; RSS counts the runtime's code pages too. */
export const ANON_TARGET_MIB = 12;

export function part3Table(results: IdleResult[], windowMs: number, label: string, floor: RuntimeFloor | null): string {
  const rows = [
    [
      "instances",
      "vipd CPU % (stat / schedstat)",
      "vipd RSS MiB (anon)",
      "keepalived CPU %",
      "keepalived RSS MiB (anon)",
      "CPU ≤ keepalived + 0.1 (stat / sched)",
      `anon ≤ ${ANON_TARGET_MIB} MiB`,
    ],
  ];
  const notes: string[] = [];
  const counts = [...new Set(results.map((r) => r.instances))];
  const pct = (r?: IdleResult) => (r && !r.error ? `${r.statCpuPct.toFixed(3)} / ${r.schedCpuPct.toFixed(3)}` : "-");
  const mb = (r?: IdleResult) => (r && !r.error ? `${r.rssMb.toFixed(1)} (${r.rssAnonMb.toFixed(1)})` : "-");
  for (const n of counts) {
    const v = results.find((r) => r.instances === n && r.daemon === "vipd");
    const k = results.find((r) => r.instances === n && r.daemon === "keepalived");
    for (const r of [v, k]) if (r?.error) notes.push(`  ${r.daemon} ×${n}: ${r.error.split("\n")[0]}`);
    const both = v && k && !v.error && !k.error;
    const cpuOk = both ? `${met(v.statCpuPct <= k.statCpuPct + 0.1)} / ${met(v.schedCpuPct <= k.schedCpuPct + 0.1)}` : met(null);
    const rssOk = v && !v.error ? v.rssAnonMb <= ANON_TARGET_MIB : null;
    rows.push([String(n), pct(v), mb(v), pct(k), mb(k), cpuOk, n === 100 ? met(rssOk) : `(${met(rssOk)})`]);
  }
  return [
    `Part 3 — idle cost, each daemon alone as MASTER (${label}), ${(windowMs / 1000).toFixed(0)} s window after the GARP bursts`,
    ...padTable(rows),
    "  CPU = % of one core; stat = utime+stime (tick-sampled: a task that runs briefly between ticks is often not charged),",
    "  schedstat = ns run time summed over every thread seen in the window; keepalived = parent + VRRP child;",
    "  RSS = peak VmRSS, (anon) its RssAnon: the rest is mapped file pages (for vipd, mostly the Bun executable's code)",
    ...(floor === null
      ? []
      : floor.error
        ? [`  runtime floor: not measured (${floor.error.split("\n")[0]})`]
        : [
            `  runtime floor (an empty compiled Bun program, 1 s timer, same settings): RSS ${floor.rssMb.toFixed(1)} MiB (anon ${floor.rssAnonMb.toFixed(1)}), CPU ${floor.cpuPct.toFixed(3)} %`,
          ]),
    ...notes,
  ].join("\n");
}

/**
 * Memory side by side, from part 3's measurements: RSS (everything resident, the executable's code pages too),
 * PSS (pages shared with other processes divided among them: keepalived's parent and child share theirs) and
 * anonymous memory (the process's own data: heap, stacks, JIT code), with the runtime's floor for scale.
 */
export function memoryTable(results: IdleResult[], floor: RuntimeFloor | null): string {
  const rows = [["instances", "vipd RSS / PSS / anon MiB", "keepalived RSS / PSS / anon MiB", `vipd anon ≤ ${ANON_TARGET_MIB} MiB`]];
  const fmt = (r?: { rssMb: number; pssMb: number; rssAnonMb: number; error: string | null }) =>
    r && !r.error ? `${r.rssMb.toFixed(1)} / ${r.pssMb.toFixed(1)} / ${r.rssAnonMb.toFixed(1)}` : "-";
  for (const n of [...new Set(results.map((r) => r.instances))]) {
    const v = results.find((r) => r.instances === n && r.daemon === "vipd");
    const k = results.find((r) => r.instances === n && r.daemon === "keepalived");
    const ok = v && !v.error ? v.rssAnonMb <= ANON_TARGET_MIB : null;
    rows.push([String(n), fmt(v), fmt(k), n === 100 ? met(ok) : `(${met(ok)})`]);
  }
  if (floor) rows.push(["runtime floor", fmt(floor), "", ""]);
  return [
    "Memory — each daemon alone as MASTER (part 3), at its RSS peak",
    ...padTable(rows),
    "  RSS: every resident page, the executable's mapped code included; PSS: pages shared with other processes",
    "  divided among them; anon: the process's own data (heap, stacks, JIT code), what vipd's target is about;",
    "  runtime floor: an empty program compiled as vipd is (bun build.ts --entry), same runtime settings",
  ].join("\n");
}

/** A memory soak: vipd's anonymous memory sampled while trackers flap, and how it moved. */
export function memorySoakTable(soak: MemorySoakResult | null, why: string): string {
  const title = `Memory soak — vipd with ${MEMORY_SOAK_INSTANCES} instances, a tracker flapping every ${MEMORY_SOAK_FLIP_MS / 1000} s (${why})`;
  if (soak === null) return `${title}\n  not run`;
  if (soak.error) return `${title}\n  failed: ${soak.error.split("\n")[0]}`;
  const rows = [
    ["minutes", "flips", "anon first min MiB", "anon last min MiB", "anon max MiB", "growth MiB/hour", `flat and ≤ ${ANON_TARGET_MIB} MiB`],
    [
      (soak.durationMs / 60_000).toFixed(1),
      String(soak.flips),
      soak.firstMinuteAnonMb.toFixed(1),
      soak.lastMinuteAnonMb.toFixed(1),
      soak.maxAnonMb.toFixed(1),
      soak.growthMbPerHour.toFixed(2),
      met(soak.lastMinuteAnonMb <= ANON_TARGET_MIB && soak.growthMbPerHour < MEMORY_SOAK_FLAT_MB_PER_HOUR),
    ],
  ];
  return [
    title,
    ...padTable(rows),
    `  per minute (mean MiB): ${soak.minuteMeansMb.map((m) => m.toFixed(1)).join(" ")}`,
    `  sampled every ${MEMORY_SOAK_SAMPLE_MS / 1000} s; growth: least-squares slope of the per-minute means after the first minute`,
    `  (the collector runs about once a minute: single samples saw-tooth); flat: under ${MEMORY_SOAK_FLAT_MB_PER_HOUR} MiB/hour`,
  ].join("\n");
}

export function part4Table(results: MassMoveResult[]): string {
  const floor = massMoveFloorMs();
  const limit = floor + OUTAGE_MARGIN_MS;
  const rows = [
    [
      "daemon",
      "runs",
      "first VIP ms (med/p90/max)",
      `all ${MASS_INSTANCES} VIPs ms (med/p90/max)`,
      "RFC floor (from the cut)",
      `target ≤ ${fmtMs(limit)}`,
    ],
  ];
  const notes: string[] = [];
  for (const r of results) {
    const all = summarize(r.allMs);
    rows.push([
      r.daemon,
      String(r.allMs.length),
      fmtSummary(summarize(r.firstMs)),
      fmtSummary(all),
      `${(floor - MASS_INTERVAL_CS * 10).toFixed(1)}–${fmtMs(floor)}`,
      r.daemon === "vipd" ? met(all ? all.max <= limit && !r.error : false) : all && all.max <= limit ? "(within)" : "(over)",
    ]);
    if (r.error) notes.push(`  ${r.daemon}: ${r.error.split("\n")[0]}`);
  }
  return [
    `Part 4 — ${MASS_INSTANCES} instances (VRRPv3, 100 ms) move after the master's cable is cut: time from the cut until the backup holds them (ip -j addr every 10 ms)`,
    ...padTable(rows),
    `  floor = the backup's Master_Down_Interval from the last advert heard (up to one interval before the cut); target = Master_Down + ${OUTAGE_MARGIN_MS} ms (the lab's margin); the poll adds up to ≈10–15 ms`,
    ...notes,
  ].join("\n");
}

export function part5Table(results: SoakResult[] | null, why: string): string {
  if (!results) return `Part 5 — soak: skipped (${why})`;
  const rows = [
    [
      "interval",
      "soaked",
      "spurious transitions",
      "max timer lateness (since start)",
      "timers > 10 ms late",
      "backup's Master_Down",
      "result",
    ],
  ];
  const notes: string[] = [];
  for (const r of results) {
    const ok = !r.error && r.spurious === 0;
    rows.push([
      `${r.intervalCs * 10} ms`,
      `${(r.soakedMs / 1000).toFixed(0)} s`,
      String(r.spurious),
      fmtMs(r.maxLatenessMs),
      String(r.lateTimers),
      fmtMs(r.masterDownMs),
      ok ? "held" : "FAILED",
    ]);
    if (r.error) notes.push(`  ${r.intervalCs * 10} ms: ${r.error.split("\n")[0]}`);
  }
  const held = results.filter((r) => !r.error && r.spurious === 0).map((r) => r.intervalCs * 10);
  const shortest = held.length ? `${Math.min(...held)} ms` : "none";
  return [
    `Part 5 — soak: a vipd pair (VRRPv3, priority ${MASTER_PRIORITY}/${BACKUP_PRIORITY}) per interval, ${why}`,
    ...padTable(rows),
    `  shortest interval held with zero spurious transitions: ${shortest}`,
    ...notes,
  ].join("\n");
}
