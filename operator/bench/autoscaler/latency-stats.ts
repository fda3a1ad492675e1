// The summary line both latency benchmarks print: nearest-rank median, p90, min and max, in whole milliseconds.

/** The nearest-rank q-quantile of `xs` (0 <= q <= 1), rounded; NaN when there is none. */
export function quantileMs(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] ?? NaN);
}

/** "median 2907 ms, p90 4350 ms, min 549 ms, max 4597 ms". */
export function latencyLine(xs: readonly number[]): string {
  return `median ${quantileMs(xs, 0.5)} ms, p90 ${quantileMs(xs, 0.9)} ms, min ${quantileMs(xs, 0)} ms, max ${quantileMs(xs, 1)} ms`;
}
