// Percentiles of a sample, nearest-rank on a sorted copy.

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export function sortedCopy(values: Iterable<number>): Float64Array {
  return Float64Array.from(values).sort();
}
