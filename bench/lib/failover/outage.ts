// Parts 1 and 2: a pair and a pinging client; per run, the master's cable is cut (and restored), the master is
// stopped with SIGTERM, then started again and preempts. Each scenario is measured from the client's capture
// with the lab's own timeline (longest gap between replies, lost pings) and judged by the lab's expectations.
//
// The cable is cut at a random point of the advert cycle: the client's outage on a hard failure is Master_Down_Interval
// minus the time from the master's last advert to the cut, so a cut that always fell just after an advert (the
// polling loop before it can lock onto the adverts' rhythm) would charge one daemon a whole interval the other did
// not pay. `advertToGarpMs` takes that time out: the old master's last advert before the fault → the new master's
// first gratuitous ARP, the moment the client's path is back (timed on the wire, not by the ping's 10 ms backoff).

import type { AdvertPacket, ArpPacket, Packet } from "../../../src/lab/capture.ts";
import { nowMs } from "../../../src/lab/clock.ts";
import { expectationFor, judge, type ScenarioKind, type Verdict } from "../../../src/lab/expected.ts";
import type { PeerKind, RouterPlan } from "../../../src/lab/plan.ts";
import { LabTimeouts, waitStableMaster } from "../../../src/lab/scenarios.ts";
import { buildTimeline, type ScenarioMeasure } from "../../../src/lab/timeline.ts";
import type { VrrpVersion } from "../../../src/vrrp/advert.ts";
import { BenchPair } from "./pair.ts";
import type { BenchRegistry } from "./registry.ts";

export const OUTAGE_SCENARIOS = ["hard-failure", "graceful-stop", "preempt"] as const;
export type OutageScenario = (typeof OUTAGE_SCENARIOS)[number];

export interface OutageConfig {
  label: string;
  version: VrrpVersion;
  advertIntervalCs: number;
}

export interface ScenarioRun {
  kind: OutageScenario;
  measure: ScenarioMeasure;
  verdict: Verdict;
  /** First gratuitous ARP minus first advert of the new master, ms (negative: the GARP went first). */
  garpMinusAdvertMs: number | null;
  /** The old master's last advert before the fault → the new master's first gratuitous ARP, ms. */
  advertToGarpMs: number | null;
}

export interface OutageSeries {
  config: OutageConfig;
  daemon: PeerKind;
  runs: ScenarioRun[];
  /** Why the series stopped early, if it did. */
  error: string | null;
}

const isAdvert = (p: Packet): p is AdvertPacket => p.kind === "advert";

interface Step {
  kind: OutageScenario;
  oldMaster: RouterPlan;
  newMaster: RouterPlan;
  beforeInject?(intervalMs: number): Promise<void>;
  inject(): Promise<void>;
  settle?(): Promise<void>;
}

async function measure(pair: BenchPair, step: Step): Promise<ScenarioRun> {
  const { plan, capture } = pair;
  const t = new LabTimeouts(plan);
  await waitStableMaster(pair.ctx, step.oldMaster, t.takeoverMs);
  await step.beforeInject?.(t.intervalMs);
  const t0 = nowMs();
  await step.inject();
  const from = Math.max(
    0,
    capture.packets.findIndex((p) => p.t >= t0 - 50),
  );
  const isNewAdvert = (p: Packet) => isAdvert(p) && p.src === step.newMaster.ipv4 && p.priority > 0 && p.t >= t0;
  if (!(await capture.waitFor(isNewAdvert, t.takeoverMs, from))) throw new Error(`${step.kind}: ${step.newMaster.name} never advertised`);
  await waitStableMaster(pair.ctx, step.newMaster, t.takeoverMs);
  await step.settle?.();
  const end = nowMs();
  // tcpdump's lines for packets up to `end` have been read once a later one arrives (2 ms pings).
  await Bun.sleep(30);
  const m = buildTimeline(capture.packets, {
    t0,
    start: t0 - 2 * t.intervalMs - 10,
    end,
    vip: plan.vip,
    vrid: plan.vrid,
    advertIntervalMs: t.intervalMs,
    routers: plan.routers,
    oldMaster: step.oldMaster,
    newMaster: step.newMaster,
    faultText: step.kind,
  });
  const inRun = capture.packets.filter((p) => p.t >= t0 && p.t <= end);
  const advert = inRun.find(isNewAdvert);
  const garp = inRun.find(
    (p): p is ArpPacket => p.kind === "arp" && p.gratuitous && p.senderIp === plan.vip && p.srcMac === step.newMaster.mac,
  );
  // The last advert of the old master on the wire before the takeover, not before t0: `ip link set` takes a few ms,
  // and an advert sent meanwhile still reached the backup and restarted its Master_Down timer.
  const lastOldAdvert = garp
    ? capture.packets.findLast((p) => isAdvert(p) && p.src === step.oldMaster.ipv4 && p.priority > 0 && p.t < garp.t)
    : undefined;
  const expectation = expectationFor(step.kind, plan, step.newMaster, step.oldMaster);
  return {
    kind: step.kind,
    measure: m,
    verdict: judge(expectation, m, step.newMaster.name),
    garpMinusAdvertMs: advert && garp ? garp.t - advert.t : null,
    advertToGarpMs: lastOldAdvert && garp ? garp.t - lastOldAdvert.t : null,
  };
}

export async function runOutageSeries(
  registry: BenchRegistry,
  vipdBinary: string,
  config: OutageConfig,
  daemon: PeerKind,
  runs: number,
): Promise<OutageSeries> {
  const pair = new BenchPair(registry, vipdBinary, {
    daemon,
    version: config.version,
    advertIntervalCs: config.advertIntervalCs,
    probe: true,
  });
  const series: OutageSeries = { config, daemon, runs: [], error: null };
  const { r1, r2, d1, d2 } = pair;
  const t = new LabTimeouts(pair.plan);
  try {
    await pair.build();
    await Promise.all([d1.start(), d2.start()]);
    await waitStableMaster(pair.ctx, r1, t.takeoverMs, false);
    pair.pinger.start();
    for (let i = 0; i < runs && !registry.stopping; i++) {
      series.runs.push(
        await measure(pair, {
          kind: "hard-failure",
          oldMaster: r1,
          newMaster: r2,
          beforeInject: (intervalMs) => Bun.sleep(Math.random() * intervalMs),
          inject: async () => pair.net.setPort(r1, "down"),
        }),
      );
      pair.net.setPort(r1, "up");
      series.runs.push(
        await measure(pair, {
          kind: "graceful-stop",
          oldMaster: r1,
          newMaster: r2,
          inject: async () => d1.requestStop(),
          // The old master's exit (it releases the VIP then, with handover) belongs in the window.
          settle: async () => void (await d1.stop(t.takeoverMs)),
        }),
      );
      series.runs.push(await measure(pair, { kind: "preempt", oldMaster: r2, newMaster: r1, inject: () => d1.start() }));
    }
  } catch (error) {
    series.error = registry.stopping ? "interrupted" : (error as Error).message;
  } finally {
    await pair.destroy();
  }
  return series;
}

export function runsOf(series: OutageSeries, kind: ScenarioKind): ScenarioRun[] {
  return series.runs.filter((r) => r.kind === kind);
}
