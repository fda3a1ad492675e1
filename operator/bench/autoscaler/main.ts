// npm run bench:autoscaler: the same seeded workloads through HareMq's policy, KEDA + HPA defaults and ours.
import type { Controller } from './controller.ts';
import { hareMq } from './haremq.ts';
import { kedaHpa } from './keda-hpa.ts';
import { ours } from './ours.ts';
import { HEADER, row, summarize, verdict } from './report.ts';
import type { Summary } from './report.ts';
import { POD, simulate } from './simulate.ts';
import type { Run } from './simulate.ts';
import { SERVICE_MEAN_S, workloads } from './workloads.ts';

/** Fixed seeds: each draws its own arrivals, service times and timer phases; results pool all of them. */
const SEEDS = [1, 2, 3, 4, 5];

const controllers: Controller[] = [
  hareMq(),
  kedaHpa(),
  ours({ management: true }),
  ours({ management: true, prefetch: POD.prefetch }),
  ours({ management: false }),
];

const names = workloads(SEEDS[0]!).map((w) => w.name);
const runs = new Map<string, Run[]>();
for (const seed of SEEDS) {
  for (const w of workloads(seed)) {
    controllers.forEach((c, i) => {
      const key = `${w.name}\u0000${c.name}`;
      runs.set(key, [...(runs.get(key) ?? []), simulate(w, c, seed * 1000 + i)]);
    });
  }
}

console.log(
  `hare-operator autoscaler simulation: seeds ${SEEDS.join(', ')} (waits pooled over the runs, pod-seconds and scale events per run); ` +
    `pods Ready ${POD.startS} s after creation, prefetch ${POD.prefetch}, service time log-normal mean ${SERVICE_MEAN_S * 1000} ms ` +
    `(~${Math.round(POD.prefetch / SERVICE_MEAN_S)} msg/s per pod), max 20 replicas, 10 messages per replica\n`,
);
console.log(HEADER.join('\n'));
const verdicts: string[] = [];
for (const name of names) {
  const summaries: Summary[] = controllers.map((c) => summarize(name, c.name, runs.get(`${name}\u0000${c.name}`) ?? []));
  for (const s of summaries) console.log(row(s));
  const [hare, hpa, mine, floored] = summaries;
  if (hare === undefined || hpa === undefined || mine === undefined || floored === undefined) continue;
  verdicts.push(verdict(hare, hpa, mine), verdict(hare, hpa, floored));
}
console.log('');
for (const w of workloads(SEEDS[0]!)) console.log(`- ${w.name}: ${w.description} (min ${w.minReplicas}, ${Math.round(w.horizonS / 60)} min simulated)`);
console.log('');
for (const v of verdicts) console.log(v);
