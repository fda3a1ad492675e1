// Summaries over several seeded runs and the Markdown table the benchmark prints.

import type { Run } from './simulate.ts';

export interface Summary {
  readonly workload: string;
  readonly policy: string;
  /** Percentiles of the waits of all messages of all runs, pooled. */
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  /** Means per run. */
  readonly podSeconds: number;
  readonly scaleEvents: number;
  /** Messages never served, summed over the runs. */
  readonly unserved: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function summarize(workload: string, policy: string, runs: readonly Run[]): Summary {
  const total = runs.reduce((n, r) => n + r.waits.length, 0);
  const waits = new Float64Array(total);
  let offset = 0;
  for (const r of runs) {
    waits.set(r.waits, offset);
    offset += r.waits.length;
  }
  waits.sort();
  const mean = (f: (r: Run) => number): number => runs.reduce((n, r) => n + f(r), 0) / runs.length;
  return {
    workload,
    policy,
    p50: percentile(waits, 0.5),
    p95: percentile(waits, 0.95),
    max: waits.length === 0 ? 0 : waits[waits.length - 1]!,
    podSeconds: mean((r) => r.podSeconds),
    scaleEvents: mean((r) => r.scaleEvents),
    unserved: runs.reduce((n, r) => n + r.unserved, 0),
  };
}

function seconds(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export const HEADER = [
  '| workload | policy | p50 wait (s) | p95 wait (s) | max wait (s) | pod-seconds | scale events | p95 / target | pod-seconds / oracle |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
];

/** A table row; the oracle starts every message within the target, so its waits are the target at most. */
export function row(s: Summary, targetS: number, oracleCost: number): string {
  const p95 = s.unserved > 0 ? `${seconds(s.p95)} (${s.unserved} never served)` : seconds(s.p95);
  const ratios = `${(s.p95 / targetS).toFixed(2)} | ${(s.podSeconds / oracleCost).toFixed(2)}`;
  return `| ${s.workload} | ${s.policy} | ${seconds(s.p50)} | ${p95} | ${seconds(s.max)} | ${Math.round(s.podSeconds)} | ${s.scaleEvents.toFixed(1)} | ${ratios} |`;
}

/**
 * The wait-target goal: p95 <= target where the oracle can meet it, pod-seconds <= 1.25 x the oracle's, and
 * for each rival fewer pod-seconds at an equal or lower p95 ("beats"), else what it loses on.
 */
export function waitVerdict(mine: Summary, rivals: readonly Summary[], targetS: number, oracleCost: number, feasible: boolean): string {
  const missed: string[] = [];
  if (feasible && mine.p95 > targetS) missed.push(`p95 ${seconds(mine.p95)} s over the ${targetS} s target`);
  const ratio = mine.podSeconds / oracleCost;
  if (ratio > 1.25) missed.push(`pod-seconds ${ratio.toFixed(2)}x the oracle`);
  const vs = rivals.map((r) => {
    const beats = mine.podSeconds < r.podSeconds && mine.p95 <= r.p95;
    if (!beats) missed.push(`not better than ${r.policy}`);
    return `${r.policy} ${seconds(r.p95)} s / ${Math.round(r.podSeconds)}${beats ? '' : ' (not beaten)'}`;
  });
  const head = `${mine.workload}, ${mine.policy}: p95 ${seconds(mine.p95)} s, ${Math.round(mine.podSeconds)} pod-s = ${ratio.toFixed(2)}x the oracle${feasible ? '' : ' (the oracle cannot meet the target)'}; vs ${vs.join(', ')}`;
  return `${head} -> ${missed.length === 0 ? 'goal met' : `goal MISSED: ${missed.join('; ')}`}`;
}
