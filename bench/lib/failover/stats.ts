// Order statistics of a handful of runs: nearest-rank percentiles (with 5 runs p90 is the max, said plainly).

export interface Summary {
  n: number;
  median: number;
  p90: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { n: sorted.length, median: rank(0.5), p90: rank(0.9), max: sorted.at(-1)! };
}

export function fmtMs(ms: number | null | undefined, digits = 1): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? "-" : `${ms.toFixed(digits)} ms`;
}

/** "median / p90 / max" in one cell. */
export function fmtSummary(s: Summary | null, unit = "", digits = 1): string {
  if (!s) return "-";
  const f = (v: number) => v.toFixed(digits);
  return `${f(s.median)} / ${f(s.p90)} / ${f(s.max)}${unit}`;
}
