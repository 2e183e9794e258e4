// The lab's story: the election, then four failures while the client pings the VIP, each measured from the
// capture: (1) the master's cable is cut, (2) the master is stopped gracefully, (3) it returns and preempts,
// (4) its health check fails. Every wait is bounded by a multiple of the slowest Master_Down_Interval.

import { masterDownIntervalMs } from "../vrrp/timing.ts";
import type { AdvertPacket, Packet } from "./capture.ts";
import { nowMs } from "./clock.ts";
import { expectationFor, judge, type ScenarioKind } from "./expected.ts";
import type { LabNetwork } from "./namespaces.ts";
import type { LabPlan, RouterPlan } from "./plan.ts";
import type { Capture, Pinger } from "./probe.ts";
import { formatMs, formatScenario, type ScenarioResult, type Style } from "./report.ts";
import type { RouterDaemon } from "./routers.ts";
import { buildTimeline } from "./timeline.ts";

export const SCENARIO_COUNT = 4;

export interface LabContext {
  plan: LabPlan;
  net: LabNetwork;
  capture: Capture;
  pinger: Pinger;
  daemons: RouterDaemon[];
  style: Style;
  print(text: string): void;
}

interface ScenarioSpec {
  kind: ScenarioKind;
  title: string;
  faultText: string;
  oldMaster: RouterPlan;
  newMaster: RouterPlan;
  /** Injects the fault; returns moments worth a line on the timeline. */
  inject(): Promise<Array<{ t: number; text: string }>>;
  /** Runs after the new master is stable, before the window closes (e.g. waiting for a daemon's exit). */
  settle?(): Promise<string[]>;
}

const isAdvert = (p: Packet): p is AdvertPacket => p.kind === "advert";

export class LabTimeouts {
  readonly intervalMs: number;
  /** The longest Master_Down_Interval any router can have (priority 1). */
  readonly slowestMdiMs: number;

  constructor(plan: LabPlan) {
    this.intervalMs = plan.advertIntervalCs * 10;
    this.slowestMdiMs = masterDownIntervalMs(plan.version, 1, plan.advertIntervalCs);
  }

  /** Bound of any wait for a takeover: generous, since a failing lab must still end. */
  get takeoverMs(): number {
    return 3 * this.slowestMdiMs + 3000;
  }
}

/** Waits until `router` is the only one advertising for three intervals and the client's replies come from it. */
export async function waitStableMaster(ctx: LabContext, router: RouterPlan, timeoutMs: number, needReplies = true): Promise<void> {
  const t = new LabTimeouts(ctx.plan);
  const deadline = performance.now() + timeoutMs;
  const since = nowMs();
  for (;;) {
    const now = nowMs();
    const packets = ctx.capture.packets;
    const recent: AdvertPacket[] = [];
    let lastReplyMac: string | null = null;
    for (let i = packets.length - 1; i >= 0; i--) {
      const p = packets[i]!;
      if (p.t < now - 3 * t.intervalMs - 20) break;
      if (isAdvert(p) && p.vrid === ctx.plan.vrid && p.priority > 0) recent.push(p);
      if (p.kind === "echo-reply" && lastReplyMac === null && p.t > now - 100) lastReplyMac = p.srcMac;
    }
    const sources = new Set(recent.map((a) => a.src));
    const advertising = sources.size === 1 && sources.has(router.ipv4) && recent.length >= 2 && now - since >= 3 * t.intervalMs;
    if (advertising && (!needReplies || lastReplyMac === router.mac)) return;
    if (performance.now() > deadline) {
      const who = [...sources].join(", ") || "nobody";
      throw new Error(
        `${router.name} did not become the stable master within ${formatMs(timeoutMs)} (advertising lately: ${who}; last reply from ${lastReplyMac ?? "nobody"})`,
      );
    }
    await Bun.sleep(10);
  }
}

export async function runElection(ctx: LabContext): Promise<void> {
  const t = new LabTimeouts(ctx.plan);
  const [first] = ctx.plan.routers;
  const daemon = ctx.daemons[0]!;
  const from = ctx.capture.packets.length;
  await Promise.all(ctx.daemons.map((d) => d.start()));
  const advert = await ctx.capture.waitFor((p) => isAdvert(p) && p.src === first!.ipv4 && p.priority > 0, t.takeoverMs, from);
  if (!advert) throw new Error(`no advert from ${first!.name} within ${formatMs(t.takeoverMs)} of the start`);
  await waitStableMaster(ctx, first!, t.takeoverMs, false);
  ctx.pinger.start();
  await waitStableMaster(ctx, first!, t.takeoverMs);
  const states = await Promise.all(ctx.daemons.map(async (d) => `${d.router.name} ${await d.state()}`));
  const mdi = masterDownIntervalMs(ctx.plan.version, first!.priority, ctx.plan.advertIntervalCs);
  ctx.print(
    [
      `  ${states.join(", ")}`,
      `  ${first!.name} became master ${formatMs(advert.t - daemon.readyAt)} after its daemon started; expected ${formatMs(mdi)}, its Master_Down_Interval`,
      `  (every router starts as BACKUP; the highest priority's timer runs out first)`,
      clientNeighbourLine(ctx, "now"),
    ].join("\n"),
  );
}

/**
 * The client's ARP entry for the VIP, named: the MAC it sends the VIP's traffic to. Without --vmac it is the
 * master's own and must be moved by a gratuitous ARP on every failover; with it, the virtual MAC never changes.
 */
export function clientNeighbourLine(ctx: LabContext, when: string): string {
  const r = ctx.net.execIn(ctx.plan.client.ns, ["ip", "-j", "neigh", "show", "to", ctx.plan.vip]);
  let mac: string | null = null;
  try {
    mac = (JSON.parse(r.stdout) as { lladdr?: string }[])[0]?.lladdr ?? null;
  } catch {
    mac = null;
  }
  const owner =
    mac === null
      ? "none"
      : mac === ctx.plan.virtualMac
        ? `${mac} (the virtual router MAC)`
        : `${mac} (${ctx.plan.routers.find((x) => x.mac === mac)?.name ?? "unknown"}'s own MAC)`;
  return `  client's neighbour entry for ${ctx.plan.vip} ${when}: ${owner}`;
}

async function runScenario(ctx: LabContext, index: number, spec: ScenarioSpec): Promise<ScenarioResult> {
  const t = new LabTimeouts(ctx.plan);
  await waitStableMaster(ctx, spec.oldMaster, t.takeoverMs);
  const t0 = nowMs();
  const marks = await spec.inject();
  const from = ctx.capture.packets.findIndex((p) => p.t >= t0 - 50);
  const taken = await ctx.capture.waitFor(
    (p) => isAdvert(p) && p.src === spec.newMaster.ipv4 && p.priority > 0 && p.t >= t0,
    t.takeoverMs,
    Math.max(0, from),
  );
  const notes: string[] = [];
  if (taken) {
    try {
      await waitStableMaster(ctx, spec.newMaster, t.takeoverMs);
      notes.push(...((await spec.settle?.()) ?? []));
    } catch (error) {
      notes.push((error as Error).message);
    }
  }
  // Packets up to `end` are all delivered once tcpdump's line for a later one has been read.
  const end = nowMs();
  await Bun.sleep(30);
  const measure = buildTimeline(ctx.capture.packets, {
    t0,
    start: t0 - 2 * t.intervalMs - 10,
    end,
    vip: ctx.plan.vip,
    vrid: ctx.plan.vrid,
    advertIntervalMs: t.intervalMs,
    routers: ctx.plan.routers,
    oldMaster: spec.oldMaster,
    newMaster: spec.newMaster,
    marks,
    faultText: spec.faultText,
    virtualMac: ctx.plan.virtualMac,
  });
  const expectation = expectationFor(spec.kind, ctx.plan, spec.newMaster, spec.oldMaster);
  return {
    index,
    kind: spec.kind,
    title: spec.title,
    expectation,
    measure,
    verdict: judge(expectation, measure, spec.newMaster.name),
    notes,
  };
}

/** Runs the four scenarios in order, appending each result to `results` as soon as it is known. */
export async function runScenarios(ctx: LabContext, results: ScenarioResult[]): Promise<void> {
  const t = new LabTimeouts(ctx.plan);
  const [r1, r2] = ctx.plan.routers as [RouterPlan, RouterPlan];
  const [d1] = ctx.daemons as [RouterDaemon];
  const show = (r: ScenarioResult) => {
    results.push(r);
    ctx.print(`\n${formatScenario(ctx.style, r)}`);
  };

  show(
    await runScenario(ctx, 1, {
      kind: "hard-failure",
      title: `hard failure: ${r1.name}'s cable is cut (its bridge port goes down)`,
      faultText: `fault: ${ctx.plan.bridgeNs} ${r1.port} down`,
      oldMaster: r1,
      newMaster: r2,
      inject: async () => {
        ctx.net.setPort(r1, "down");
        return [];
      },
    }),
  );
  ctx.print(clientNeighbourLine(ctx, "after the failover"));
  // Restore r1 for what follows; its return is the same preemption scenario 3 measures, so only say when.
  const restoreAt = nowMs();
  ctx.net.setPort(r1, "up");
  await waitStableMaster(ctx, r1, t.takeoverMs);
  ctx.print(
    `  then: ${r1.port} up again; ${r1.name} (FAULT, then BACKUP) preempted ${r2.name} and holds the VIP again (${formatMs(nowMs() - restoreAt)})`,
  );

  show(
    await runScenario(ctx, 2, {
      kind: "graceful-stop",
      title: `graceful stop: ${r1.name}'s vipd gets SIGTERM`,
      faultText: `SIGTERM to ${r1.name}'s vipd (pid ${d1.process?.pid ?? "?"})`,
      oldMaster: r1,
      newMaster: r2,
      inject: async () => {
        d1.requestStop();
        return [];
      },
      settle: async () => {
        const asked = nowMs();
        const exited = await d1.stop(t.takeoverMs);
        const code = d1.process?.proc.exitCode;
        return [
          exited
            ? `${r1.name}'s vipd exited with status ${code} (${formatMs(nowMs() - asked)} after the new master was stable)`
            : `${r1.name}'s vipd did not exit in time and was killed`,
        ];
      },
    }),
  );

  show(
    await runScenario(ctx, 3, {
      kind: "preempt",
      title: `master returns: ${r1.name}'s vipd starts again and preempts ${r2.name}`,
      faultText: `${r1.name}'s vipd launched`,
      oldMaster: r2,
      newMaster: r1,
      inject: async () => {
        await d1.start();
        return [{ t: d1.readyAt, text: `${r1.name}'s vipd is running (BACKUP; it ignores ${r2.name}'s lower priority)` }];
      },
    }),
  );

  show(
    await runScenario(ctx, 4, {
      kind: "health-fault",
      title: `health check fails: ${r1.name}'s track_script (weight 0) starts failing`,
      faultText: `${r1.name}'s health flag removed (script runs every ${ctx.plan.scriptIntervalMs} ms, fall 1)`,
      oldMaster: r1,
      newMaster: r2,
      inject: async () => {
        d1.failHealth();
        return [];
      },
    }),
  );
}
