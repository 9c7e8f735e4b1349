/** The p-th percentile of `values` (nearest rank, from below); 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
}

/** Milliseconds to one decimal, for tables. */
export const ms = (n: number) => Number(n.toFixed(1))
