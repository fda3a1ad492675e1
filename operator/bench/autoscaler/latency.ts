// npm run bench:autoscaler:latency: backlog published -> spec.replicas patched, over N runs against the running operator.
// Flags: --runs N (20), --interval S (pool pollIntervalSeconds, 5), --management (read unacked via the HTTP API too).
import { parseArgs } from 'node:util';
import { AMQP_URI, benchEnvironment } from '../environment.ts';
import { GROUP, PLURAL, VERSION } from '../../src/metadata.ts';
import { startOperator } from '../../test/support/operator-process.ts';
import { poolManifest } from '../../test/support/pools.ts';
import { latencyLine } from './latency-stats.ts';
import { seeded } from './random.ts';
import { watchReplicas } from './replica-watch.ts';

const MANAGEMENT_URI = process.env.HARE_TEST_MANAGEMENT_URI ?? 'http://guest:guest@127.0.0.1:15672';
const BACKLOG = 50; // 10 messages per replica: 1 -> 5

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, interval: { type: 'string', default: '5' }, management: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const intervalS = Number(values.interval);

const env = await benchEnvironment('bench-latency', { uri: AMQP_URI, 'management-uri': MANAGEMENT_URI });
const { kc, custom, name: ns, name: queue, channel: ch } = env;
const op = await startOperator(env.cluster.kubeconfig, ['--namespace', ns, '--log-level', 'info'], { POD_NAME: env.name });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const latencies: number[] = [];
const watch = await watchReplicas(kc, `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`, 'latency');
try {
  const manifest = poolManifest('latency', { replicas: 1 });
  const broker = { uriSecretRef: { name: 'rabbitmq', key: 'uri' }, ...(values.management ? { managementUriSecretRef: { name: 'rabbitmq', key: 'management-uri' } } : {}) };
  Object.assign(manifest.spec as object, {
    broker,
    queue: { name: queue },
    autoscaling: { minReplicas: 1, maxReplicas: 20, messagesPerReplica: 10, pollIntervalSeconds: intervalS, scaleDown: { stabilizationWindowSeconds: 0 } },
  });
  await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: manifest });
  const rng = seeded(5250);
  for (let run = 1; run <= runs; run++) {
    await watch.until(1, 60_000);
    await sleep(rng() * intervalS * 1000); // a uniformly random phase of the poll timer
    const published = performance.now();
    for (let i = 0; i < BACKLOG; i++) ch.sendToQueue(queue, Buffer.from(`m${i}`));
    await ch.waitForConfirms();
    const patched = await watch.until(BACKLOG / 10, 60_000);
    latencies.push(patched - published);
    console.log(`run ${run}: ${Math.round(patched - published)} ms`);
    await ch.purgeQueue(queue);
  }
} catch (err) {
  console.error(`--- operator log (last 40 lines) ---\n${op.logTail(40)}`);
  throw err;
} finally {
  watch.stop();
  await op.stop();
  await env.close();
}

console.log(
  `\ndecision latency (backlog of ${BACKLOG} published -> spec.replicas 1 -> 5 seen by a watch), ${latencies.length} runs, ` +
    `poll interval ${intervalS} s${values.management ? ', management API on' : ''}: ${latencyLine(latencies)}; target one interval + 250 ms = ${intervalS * 1000 + 250} ms (KEDA + HPA defaults: up to 30 s + 15 s)`,
);
