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

export const HEADER = ['| workload | policy | p50 wait (s) | p95 wait (s) | max wait (s) | pod-seconds | scale events |', '|---|---|---:|---:|---:|---:|---:|'];

export function row(s: Summary): string {
  const p95 = s.unserved > 0 ? `${seconds(s.p95)} (${s.unserved} never served)` : seconds(s.p95);
  return `| ${s.workload} | ${s.policy} | ${seconds(s.p50)} | ${p95} | ${seconds(s.max)} | ${Math.round(s.podSeconds)} | ${s.scaleEvents.toFixed(1)} |`;
}

/** The goal: ours beats HareMq and the HPA on p95 wait at no more pod-seconds than the HPA. */
export function verdict(hare: Summary, hpa: Summary, ours: Summary): string {
  const wait = ours.p95 < hare.p95 && ours.p95 < hpa.p95;
  const cost = ours.podSeconds <= hpa.podSeconds;
  const pct = (a: number, b: number): string => `${a <= b ? '' : '+'}${(((a - b) / b) * 100).toFixed(0)} %`;
  const p95 = `p95 ${seconds(ours.p95)} s vs HareMq ${seconds(hare.p95)} s and HPA ${seconds(hpa.p95)} s`;
  return `${ours.workload}, ${ours.policy}: ${p95}; pod-seconds ${pct(ours.podSeconds, hpa.podSeconds)} vs the HPA -> ${wait && cost ? 'goal met' : 'goal MISSED'}`;
}
