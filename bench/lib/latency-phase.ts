// Phase 2: receive latency, from right before the sender's sendmsg() in host b to the entry of the adapter's packet
// handler in host a, on the shared clock (shared-clock.ts). Two checks that the two processes' clocks agree:
//   - the parent brackets the receiver's clock between two of its own readings over stdin/stdout round trips;
//   - the receiver reflects every advert, so per advert the NTP formulas give a one-way time that needs no common
//     clock, ((echoed − sent) − (reflected − received)) / 2, and the clock offset, which should be ≈ 0.
import { join } from "node:path";
import type { Lab, LabProcess } from "../../test/netns/harness.ts";
import { sharedClockMs } from "./shared-clock.ts";
import { percentile, sortedCopy } from "./stats.ts";

const RECEIVER = join(import.meta.dir, "advert-receiver.ts");
const SENDER = join(import.meta.dir, "advert-sender.ts");
export const WARMUP = 100;
export const GAP_MS = 1;
const CLOCK_ROUND_TRIPS = 50;

export interface LatencyFigures {
  family: 4 | 6;
  count: number;
  lost: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  minUs: number;
  maxUs: number;
  /** Half the round trip less the reflector's own time: one-way without a common clock (median). */
  halfRoundTripP50Us: number;
  /** Receiver clock − sender clock from the reflections (median). */
  offsetP50Us: number;
}

export interface ClockCheck {
  /** Bounds of (receiver clock − our clock) in µs over every round trip; 0 inside means they agree to the width. */
  offsetLowUs: number;
  offsetHighUs: number;
}

async function checkClock(receiver: LabProcess): Promise<ClockCheck> {
  let low = -Infinity;
  let high = Infinity;
  for (let i = 0; i < CLOCK_ROUND_TRIPS; i++) {
    const from = receiver.lines.length;
    const t0 = sharedClockMs();
    receiver.write("clock\n");
    const { line } = await receiver.waitLine((l) => l.startsWith('{"clock":'), 5000, from);
    const t1 = sharedClockMs();
    const tc = (JSON.parse(line) as { clock: number }).clock;
    // The receiver read its clock between our t0 and t1: offset ∈ [tc − t1, tc − t0].
    low = Math.max(low, (tc - t1) * 1000);
    high = Math.min(high, (tc - t0) * 1000);
  }
  return { offsetLowUs: low, offsetHighUs: high };
}

type Report = Record<"4" | "6", { received: number[]; reflected: number[] }>;

async function sendAndMeasure(lab: Lab, receiver: LabProcess, family: 4 | 6, count: number): Promise<LatencyFigures> {
  const total = WARMUP + count;
  const sender = lab.spawn("b", [process.execPath, SENDER, String(family), String(total), String(GAP_MS)]);
  const { line: sentLine } = await sender.waitLine((l) => l.startsWith('{"sent":'), 60_000);
  const from = receiver.lines.length;
  receiver.write("report\n");
  const { line: reportLine } = await receiver.waitLine((l) => l.startsWith('{"report":'), 10_000, from);
  const { sent, echoed } = JSON.parse(sentLine) as { sent: number[]; echoed: number[] };
  const { received, reflected } = (JSON.parse(reportLine) as { report: Report }).report[family];
  const oneWay: number[] = [];
  const halfRoundTrip: number[] = [];
  const offset: number[] = [];
  for (let seq = WARMUP; seq < total; seq++) {
    const [s, r, r2, e] = [sent[seq]!, received[seq]!, reflected[seq]!, echoed[seq]!];
    if (!r) continue;
    oneWay.push((r - s) * 1000);
    if (!e) continue;
    halfRoundTrip.push(((e - s - (r2 - r)) / 2) * 1000);
    offset.push(((r - s - (e - r2)) / 2) * 1000);
  }
  const sorted = sortedCopy(oneWay);
  return {
    family,
    count,
    lost: count - oneWay.length,
    p50Us: percentile(sorted, 0.5),
    p90Us: percentile(sorted, 0.9),
    p99Us: percentile(sorted, 0.99),
    minUs: sorted[0] ?? Number.NaN,
    maxUs: sorted[sorted.length - 1] ?? Number.NaN,
    halfRoundTripP50Us: percentile(sortedCopy(halfRoundTrip), 0.5),
    offsetP50Us: percentile(sortedCopy(offset), 0.5),
  };
}

export async function latencyPhase(lab: Lab, count: number): Promise<{ clock: ClockCheck; results: LatencyFigures[] }> {
  const receiver = lab.spawn("a", [process.execPath, RECEIVER, "eth0"]);
  try {
    await receiver.waitLine((l) => l.includes('"ready":true'), 10_000);
    const clock = await checkClock(receiver);
    const results = [await sendAndMeasure(lab, receiver, 4, count), await sendAndMeasure(lab, receiver, 6, count)];
    return { clock, results };
  } finally {
    await receiver.stop(3000);
  }
}
