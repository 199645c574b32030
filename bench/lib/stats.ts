/** Small statistics and formatting helpers. Benchmarks report medians of interleaved runs and ratios of medians. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The q-quantile (0..1) by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** Median of the pairwise ratios a[i]/b[i]: each pair ran side by side, so machine noise largely cancels. */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  return median(Array.from({ length: n }, (_, i) => (a[i] as number) / (b[i] as number)));
}

export const fmt = {
  int: (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  num: (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a'),
  ms: (n: number): string => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : 'n/a'),
  s: (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)} s` : 'n/a'),
  mb: (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MB` : 'n/a'),
  kb: (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(0)} KB` : 'n/a'),
  ratio: (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a'),
  pct: (r: number): string => (Number.isFinite(r) ? `${(r * 100).toFixed(0)}%` : 'n/a'),
};
