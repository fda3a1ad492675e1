// npm run bench:autoscaler:latency:node: backlog published -> a new pod consuming, on the real node (the local
// provider's kubelet and containerd), with the operator installed by helm. Flags: --runs N (10), --interval S (5).
// Each run: the pool at 1 pod, a backlog of 50 five-second messages (5 pods' worth, 25 s for one) at a random phase of the poll
// timer, and the time until a pod that did not exist at publish time starts its first message (the recorder's
// finish time, less the message's work: pods and this process share the host's clock).
import { parseArgs } from 'node:util';
import { Load } from '../../../test-e2e/support/load.ts';
import { poolState } from '../../../test-e2e/support/pool-state.ts';
import { endSuite, installOperator, startSuite } from '../../../test-e2e/support/suite.ts';
import { waitFor } from '../../../test-e2e/support/tools.ts';
import { latencyLine } from './latency-stats.ts';
import { seeded } from './random.ts';

const NS = 'bench-latency-node';
const QUEUE = 'latency-node';
const BACKLOG = 50; // 10 messages per replica: 1 -> 5
const WORK_MS = 5000;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, interval: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const intervalS = Number(values.interval);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const suite = await startSuite({ namespace: NS, images: ['operator', 'consumer', 'examples'] });
const { t } = suite;
const load = new Load(suite.cluster.hostBrokerUri, QUEUE);
const toConsuming: number[] = [];
const toPatched: number[] = [];
try {
  await installOperator(t, '--set', `watchNamespace=${NS}`);
  await load.open();
  await t.kubectlStdin(JSON.stringify({
    apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', metadata: { name: QUEUE, namespace: NS },
    spec: {
      module: 'recorder', image: suite.images.get('examples'),
      broker: { uriSecretRef: { name: 'rabbitmq', key: 'uri' } },
      queue: { name: QUEUE, prefetch: 10 },
      autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 10, messagesPerReplica: 10, pollIntervalSeconds: intervalS, scaleDown: { stabilizationWindowSeconds: 0 } },
      drain: { timeoutSeconds: 30 },
    },
  }), 'apply', '-f', '-');
  const rng = seeded(5250);
  for (let run = 1; run <= runs; run++) {
    await waitFor('the pool at 1 pod, none draining', async () => { const p = await poolState(t, NS, QUEUE); return p.replicas === 1 && p.liveReplicas === 1 && p.readyReplicas === 1 && p.drainingReplicas === 0; }, 300_000, 500);
    const before = new Set((await t.kubectl('get', 'pods', '-n', NS, '-l', `hare.dev/pool=${QUEUE}`, '-o', 'jsonpath={.items[*].metadata.name}')).split(' '));
    await sleep(rng() * intervalS * 1000); // a uniformly random phase of the poll timer
    const seen = load.records.length;
    const published = Date.now();
    await load.publish(BACKLOG, WORK_MS);
    let patched: number | undefined;
    const first = await waitFor('a new pod\'s first record', async () => {
      if (patched === undefined && (await poolState(t, NS, QUEUE)).replicas > 1) patched = Date.now();
      return load.records.slice(seen).find((r) => !before.has(r.pod));
    }, 120_000, 100);
    const consuming = (first.at ?? NaN) - WORK_MS;
    toConsuming.push(consuming - published);
    if (patched !== undefined) toPatched.push(patched - published);
    console.log(`run ${run}: spec.replicas raised after ${patched === undefined ? '?' : Math.round(patched - published)} ms, a new pod consuming after ${Math.round(consuming - published)} ms`);
    await waitFor('the backlog processed', () => load.tally().missing.length === 0, 120_000, 500);
  }
} finally {
  await load.close().catch(() => undefined);
  await endSuite(suite, { uninstallOperator: true });
}

console.log(
  `\nreal node, ${toConsuming.length} runs, poll interval ${intervalS} s, backlog of ${BACKLOG} published -> 1 to 5 pods:\n` +
    `  spec.replicas raised (seen by polling kubectl, about 0.5 s apart): ${latencyLine(toPatched)}\n` +
    `  a new pod consuming (its first message started):             ${latencyLine(toConsuming)}`,
);
