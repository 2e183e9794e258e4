// Phase 3: LinuxAddressManager.addAddress + deleteAddress round trips (a VIP going on and off eth0) in a namespace.
import { join } from "node:path";
import type { Lab } from "../../test/netns/harness.ts";
import { percentile, sortedCopy } from "./stats.ts";

const CHURN = join(import.meta.dir, "address-churn.ts");

export interface AddressFigures {
  family: 4 | 6;
  count: number;
  add: { p50Us: number; p90Us: number };
  del: { p50Us: number; p90Us: number };
  roundTrip: { p50Us: number; p90Us: number };
}

type Churn = Record<"4" | "6", { add: number[]; del: number[] }>;

const p = (values: number[]) => {
  const s = sortedCopy(values);
  return { p50Us: percentile(s, 0.5), p90Us: percentile(s, 0.9) };
};

export async function addressPhase(lab: Lab, count: number): Promise<AddressFigures[]> {
  const proc = lab.spawn("a", [process.execPath, CHURN, String(count)]);
  try {
    const { line } = await proc.waitLine((l) => l.startsWith('{"4":'), 60_000);
    const churn = JSON.parse(line) as Churn;
    return ([4, 6] as const).map((family) => {
      const { add, del } = churn[family];
      return { family, count, add: p(add), del: p(del), roundTrip: p(add.map((a, i) => a + del[i]!)) };
    });
  } finally {
    await proc.stop(3000);
  }
}
