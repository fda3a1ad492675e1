// Sensitivity of our policy to its scale-down window, with and without the busy floor:
// node operator/bench/autoscaler/sweep.ts
import type { Controller } from './controller.ts';
import { hareMq } from './haremq.ts';
import { kedaHpa } from './keda-hpa.ts';
import { ours, poolDefaults } from './ours.ts';
import { summarize } from './report.ts';
import type { Summary } from './report.ts';
import { POD, simulate } from './simulate.ts';
import { workloads } from './workloads.ts';

const SEEDS = [1, 2, 3, 4, 5];
const WINDOWS = [30, 60, 120, 300];
const bySeed = new Map(SEEDS.map((seed) => [seed, workloads(seed)]));

function run(name: string, make: () => Controller, index: number): Summary {
  const runs = SEEDS.map((seed) => simulate(bySeed.get(seed)!.find((w) => w.name === name)!, make(), seed * 1000 + index));
  return summarize(name, make().name, runs);
}

function cell(s: Summary, hare: Summary, hpa: Summary): string {
  const met = s.p95 < hare.p95 && s.p95 < hpa.p95 && s.podSeconds <= hpa.podSeconds;
  return `${s.p95.toFixed(1)} s / ${Math.round(s.podSeconds)} / ${s.scaleEvents.toFixed(0)}${met ? '' : ' (missed)'}`;
}

console.log('p95 wait / pod-seconds / scale events of our policy by scaleDown.stabilizationWindowSeconds (seeds 1-5)\n');
const heads = WINDOWS.flatMap((w) => [`${w} s`, `${w} s + floor`]);
console.log(`| workload | HPA | ${heads.join(' | ')} |`);
console.log(`|---|---:|${heads.map(() => '---:').join('|')}|`);
for (const name of bySeed.get(SEEDS[0]!)!.map((w) => w.name)) {
  const hare = run(name, hareMq, 0);
  const hpa = run(name, kedaHpa, 1);
  const cells = WINDOWS.flatMap((down) => {
    const spec = (min: number, max: number): ReturnType<typeof poolDefaults> => ({ ...poolDefaults(min, max), scaleDown: { stabilizationWindowSeconds: down } });
    return [run(name, () => ours({ management: true, spec }), 2), run(name, () => ours({ management: true, prefetch: POD.prefetch, spec }), 3)].map((s) => cell(s, hare, hpa));
  });
  console.log(`| ${name} | ${hpa.p95.toFixed(1)} s / ${Math.round(hpa.podSeconds)} | ${cells.join(' | ')} |`);
}
