// npm run bench:autoscaler: the same seeded workloads through HareMq, KEDA's three RabbitMQ modes + HPA, ours, and the oracle.
import type { Controller } from './controller.ts';
import { hareMq } from './haremq.ts';
import { kedaHpa } from './keda-hpa.ts';
import { oracle } from './oracle.ts';
import { ours, poolDefaults } from './ours.ts';
import { HEADER, row, summarize, waitVerdict } from './report.ts';
import type { Summary } from './report.ts';
import { POD, simulate } from './simulate.ts';
import type { Run } from './simulate.ts';
import { SERVICE_MEAN_S, workloads } from './workloads.ts';

/** Fixed seeds: each draws its own arrivals, service times and timer phases; results pool all of them. */
const SEEDS = [1, 2, 3, 4, 5];
/** The wait target of the wait-target contender, KEDA's ExpectedQueueConsumptionTime value and the oracle. */
const TARGET_S = 30;

const controllers: Controller[] = [
  hareMq(),
  kedaHpa(),
  kedaHpa('MessageRate'),
  kedaHpa('ExpectedQueueConsumptionTime'),
  ours({ management: true, prefetch: POD.prefetch }),
  ours({ management: true, prefetch: POD.prefetch, targetWaitSeconds: TARGET_S }),
  ours({ management: true, prefetch: POD.prefetch, targetWaitSeconds: TARGET_S, spec: (min, max) => ({ ...poolDefaults(min, max), scaleDown: { stabilizationWindowSeconds: 15 } }) }),
];

const names = workloads(SEEDS[0]!).map((w) => w.name);
const runs = new Map<string, Run[]>();
const oracles = new Map<string, { podSeconds: number; feasible: boolean }[]>();
for (const seed of SEEDS) {
  for (const w of workloads(seed)) {
    oracles.set(w.name, [...(oracles.get(w.name) ?? []), oracle(w, TARGET_S, w.startS ?? POD.startS)]);
    controllers.forEach((c, i) => {
      const key = `${w.name}\u0000${c.name}`;
      runs.set(key, [...(runs.get(key) ?? []), simulate(w, c, seed * 1000 + i)]);
    });
  }
}

console.log(
  `hare-operator autoscaler simulation: seeds ${SEEDS.join(', ')} (waits pooled over the runs, pod-seconds and scale events per run); ` +
    `pods Ready ${POD.startS} s after creation unless the workload says otherwise, prefetch ${POD.prefetch}, service time log-normal mean ${SERVICE_MEAN_S * 1000} ms ` +
    `(~${Math.round(POD.prefetch / SERVICE_MEAN_S)} msg/s per pod) unless the workload says otherwise, max 20 replicas, 10 messages per replica; ` +
    `wait target ${TARGET_S} s; oracle = fewest pod-seconds that start every message within ${TARGET_S} s (oracle.ts)\n`,
);
console.log(HEADER.join('\n'));
const verdicts: string[] = [];
for (const name of names) {
  const o = oracles.get(name) ?? [];
  const oracleCost = o.reduce((n, x) => n + x.podSeconds, 0) / Math.max(1, o.length);
  const feasible = o.every((x) => x.feasible);
  const summaries: Summary[] = controllers.map((c) => summarize(name, c.name, runs.get(`${name}\u0000${c.name}`) ?? []));
  console.log(`| ${name} | oracle${feasible ? '' : ' (cannot meet the target)'} | | <= ${TARGET_S} | <= ${TARGET_S} | ${Math.round(oracleCost)} | | | 1.00 |`);
  for (const s of summaries) console.log(row(s, TARGET_S, oracleCost));
  const [hare, hpa, , eqct, , mine, short] = summaries;
  if (hare === undefined || hpa === undefined || eqct === undefined || mine === undefined || short === undefined) continue;
  verdicts.push(waitVerdict(mine, [hare, hpa, eqct], TARGET_S, oracleCost, feasible), waitVerdict(short, [hare, hpa, eqct], TARGET_S, oracleCost, feasible));
}
console.log('');
for (const w of workloads(SEEDS[0]!)) console.log(`- ${w.name}: ${w.description} (min ${w.minReplicas}, ${Math.round(w.horizonS / 60)} min simulated)`);
console.log('');
for (const v of verdicts) console.log(v);
