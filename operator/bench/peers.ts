// npm run bench:peers: KEDA + HPA (KEDA v2.21.0's operator and metrics adapter, built from its Go module) beside
// hare-operator on the same local cluster, with the same consumer pod and workload, every figure measured in one run.
// Flags: --runs N (5, backlog -> replicas raised), --scale-downs N (50, pods removed with work in flight),
// --connections 1,10,100 (scaled objects / pools), --phases latency,scale-downs,connections (all).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { clusterConfig } from '../../test-e2e/cluster/index.ts';
import { podBrokerFor } from '../../test-e2e/cluster/rabbitmq.ts';
import { startKeda, type Keda } from '../../test-e2e/cluster/keda.ts';
import { rabbitmqAuth, scaledObject } from '../../test-e2e/cluster/keda-manifests.ts';
import { Load } from '../../test-e2e/support/load.ts';
import { endSuite, installOperator, OPERATOR_NS, startSuite } from '../../test-e2e/support/suite.ts';
import { waitFor } from '../../test-e2e/support/tools.ts';
import { latencyLine } from './autoscaler/latency-stats.ts';
import { seeded } from './autoscaler/random.ts';
import { inFlight, kedaSide, poolSide, reusableSpec, type Side } from './peers/sides.ts';
import { peakSampler, podPids } from './peers/rss.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'scale-downs': { type: 'string', default: '50' },
    connections: { type: 'string', default: '1,10,100' },
    phases: { type: 'string', default: 'latency,scale-downs,connections' },
  },
});
const runs = Number(values.runs);
const scaleDowns = Number(values['scale-downs']);
const connectionCounts = values.connections.split(',').filter(Boolean).map(Number);
const phases = new Set(values.phases.split(','));
const NS = 'bench-peers';
// one pod (prefetch 10) needs 60 s for it: longer than KEDA's 30 s poll plus the HPA's 15 s sync, so neither scaler can
// miss it (50 were done by one pod before KEDA's next poll, and its HPA never scaled)
const BACKLOG = { messages: 300, workMs: 2000, perReplica: 10 };
/** each scale-down cycle goes from this many pods to 1 */
const SCALE_FROM = 5;
const log = (msg: string): void => console.log(`[bench:peers ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const MANAGEMENT_AUTH = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Result {
  latencyMs: number[];
  removed: number;
  busyRemoved: number;
  /** scale-downs that removed a busy pod while an idle one was kept */
  avoidable: number;
  twice: number;
  lost: number;
  redelivered: number;
  connections: Map<number, number>;
}
const emptyResult = (): Result => ({ latencyMs: [], removed: 0, busyRemoved: 0, avoidable: 0, twice: 0, lost: 0, redelivered: 0, connections: new Map() });

function consumerPool(name: string, image: string, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', metadata: { name, namespace: NS },
    spec: { module: 'recorder', image, replicas: 1, broker: { uriSecretRef: { name: 'rabbitmq', key: 'uri' } }, queue: { name, prefetch: 10 }, drain: { timeoutSeconds: 30 }, ...spec },
  };
}

async function settled(side: Side, replicas: number): Promise<void> {
  await waitFor(`${side.label} at ${replicas}, none terminating`, async () => {
    const s = await side.state();
    return s.replicas === replicas && s.live === replicas && s.ready === replicas && s.terminating === 0;
  }, 300_000, 500);
}

/** Backlog published at a random phase of the scalers' timers -> spec.replicas raised above 1. */
async function latency(side: Side, load: Load, rng: () => number, out: Result): Promise<void> {
  for (let run = 1; run <= runs; run++) {
    await side.scale(1);
    await settled(side, 1);
    await side.startScaler({ minReplicas: 1, maxReplicas: 10, messagesPerReplica: BACKLOG.perReplica });
    await sleep(rng() * 30_000); // KEDA polls every 30 s and the HPA syncs every 15 s; the pool reads every 5 s
    const published = Date.now();
    await load.publish(BACKLOG.messages, BACKLOG.workMs);
    await waitFor('spec.replicas raised', async () => (await side.state()).replicas > 1, 300_000, 200);
    out.latencyMs.push(Date.now() - published);
    log(`${side.label} run ${run}: replicas raised ${Date.now() - published} ms after the backlog`);
    await waitFor('the backlog processed', () => load.tally().missing.length === 0, 300_000, 500);
    await side.stopScaler();
  }
}

/** SCALE_FROM -> 1 by /scale under a trickle until `scaleDowns` pods were removed; who went, and what happened to the messages. */
async function scaleDownCycles(side: Side, load: Load, out: Result): Promise<void> {
  const trickle = load.trickle(6, 300);
  try {
    while (out.removed < scaleDowns) {
      await side.scale(SCALE_FROM);
      await settled(side, SCALE_FROM);
      const before = (await side.pods()).filter((p) => !p.terminating);
      const held = await inFlight(before);
      await side.scale(1);
      await settled(side, 1);
      const kept = new Set((await side.pods()).filter((p) => !p.terminating).map((p) => p.name));
      const victims = before.filter((p) => !kept.has(p.name));
      const busy = victims.filter((p) => (held.get(p.name) ?? 0) > 0).length;
      const keptIdle = before.some((p) => kept.has(p.name) && held.get(p.name) === 0);
      out.removed += victims.length;
      out.busyRemoved += busy;
      if (busy > 0 && keptIdle) out.avoidable++;
    }
  } finally {
    await trickle.stop();
  }
  await waitFor('every message recorded', () => load.tally().missing.length === 0, 180_000, 1000).catch(() => undefined);
  const tally = load.tally();
  Object.assign(out, { twice: tally.duplicates.length, lost: tally.missing.length, redelivered: tally.redelivered });
  log(`${side.label}: ${out.removed} pods removed, ${out.busyRemoved} busy; ${tally.published} published, ${tally.recorded} recorded, ${out.twice} twice, ${out.lost} lost, ${out.redelivered} redelivered`);
}

/** Broker connections of `user` (the management API). */
async function connectionsOf(user: string): Promise<number> {
  const res = await fetch('http://127.0.0.1:15672/api/connections?columns=user', { headers: MANAGEMENT_AUTH });
  return ((await res.json()) as { user: string }[]).filter((c) => c.user === user).length;
}

/** rabbitmqctl; `input` goes to its stdin (a password never on the command line). */
function rabbitmqctl(args: string[], input?: string): void {
  execFileSync('rabbitmqctl', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'], ...(input === undefined ? {} : { input }) });
}

/** Deletes the benchmark's broker users (their connections close with them); one already gone is no error. */
function deleteUsers(names: readonly string[]): void {
  for (const u of names) {
    try {
      rabbitmqctl(['delete_user', u]);
    } catch {
      /* gone */
    }
  }
}

/** n ScaledObjects and n pools, each on a queue of its own at 0 replicas: the broker connections each controller holds. */
async function connectionsPhase(template: Record<string, unknown>): Promise<void> {
  const password = randomBytes(12).toString('hex');
  for (const u of ['keda-bench', 'hare-bench']) {
    rabbitmqctl(['add_user', u], `${password}\n`);
    users.push(u);
    rabbitmqctl(['set_permissions', '-p', '/', u, '.*', '.*', '.*']);
  }
  await apply([
    ...rabbitmqAuth(NS, `amqp://keda-bench:${password}@127.0.0.1:5672/`, 'keda-bench'),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rabbitmq-bench', namespace: NS }, stringData: { uri: podBrokerFor(clusterConfig(), 'hare-bench', password).uri } },
  ]);
  const conn = await amqp.connect(suite.cluster.hostBrokerUri);
  const ch = await conn.createChannel();
  for (const n of connectionCounts) {
    const names = Array.from({ length: n }, (_, i) => `peers-conn-${i}`);
    for (const q of names) await ch.assertQueue(q, { durable: true });
    // KEDA: n ScaledObjects, each on a Deployment at 0 (minReplicaCount 0), the pod of the other phases
    await apply(names.flatMap((q) => [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: q, namespace: NS }, spec: { replicas: 0, selector: { matchLabels: { app: q } }, template: { metadata: { labels: { app: q } }, spec: template } } },
      scaledObject({ name: q, namespace: NS, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: q }, queue: q, value: 10, minReplicas: 0, maxReplicas: 1, auth: 'keda-bench' }),
    ]));
    // hare-operator: n pools at 0, autoscaled from 0
    await apply(names.map((q) => consumerPool(`${q}-h`, image, {
      replicas: 0, queue: { name: `${q}-h`, prefetch: 10 }, broker: { uriSecretRef: { name: 'rabbitmq-bench', key: 'uri' } },
      autoscaling: { enabled: true, minReplicas: 0, maxReplicas: 1, messagesPerReplica: 10 },
    })));
    await sleep(45_000); // a KEDA polling interval (30 s) and several of the pools' reads (5 s)
    kedaResult.connections.set(n, await connectionsOf('keda-bench'));
    hareResult.connections.set(n, await connectionsOf('hare-bench'));
    log(`${n} scaled objects / pools: KEDA ${kedaResult.connections.get(n)} broker connections, hare-operator ${hareResult.connections.get(n)}`);
    await t.kubectl('delete', 'scaledobjects.keda.sh', '-n', NS, ...names, '--wait=true', '--timeout=300s');
    await t.kubectl('delete', 'deploy', '-n', NS, ...names, '--wait=true');
    await t.kubectl('delete', 'cpool', '-n', NS, ...names.map((q) => `${q}-h`), '--wait=true', '--timeout=300s');
  }
  // the queues of this phase, with the pools' delay and dead-letter queues (a pool's deletion keeps them)
  const queues = (await (await fetch('http://127.0.0.1:15672/api/queues?columns=name', { headers: MANAGEMENT_AUTH })).json()) as { name: string }[];
  for (const q of queues.filter((x) => x.name.startsWith('peers-conn-'))) await ch.deleteQueue(q.name);
  await conn.close();
}

const suite = await startSuite({ namespace: NS, images: ['operator', 'consumer', 'examples'] });
const { t } = suite;
const image = suite.images.get('examples') ?? '';
const ctx = { t, namespace: NS };
const kedaResult = emptyResult();
const hareResult = emptyResult();
const loads: Load[] = [];
const users: string[] = [];
let keda: Keda | undefined;
let sampler: ReturnType<typeof peakSampler> | undefined;
const apply = (objects: object[]): Promise<string> => t.kubectlStdin(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }), 'apply', '-f', '-');

try {
  await installOperator(t, '--set', `watchNamespace=${NS}`, '--set', 'replicaCount=1');
  keda = await startKeda(clusterConfig(), suite.cluster);
  const kedaPids = await keda.pids();
  const operatorUid = (await t.kubectl('get', 'pods', '-n', OPERATOR_NS, '-l', 'app.kubernetes.io/name=hare-operator', '-o', 'jsonpath={.items[0].metadata.uid}')).trim();
  const pidOf = (p: number | undefined): number[] => (p === undefined ? [] : [p]);
  sampler = peakSampler({ 'keda-operator': () => pidOf(kedaPids['keda-operator']), 'keda-adapter': () => pidOf(kedaPids['keda-adapter']), 'hare-operator': () => podPids(operatorUid) });
  await apply(rabbitmqAuth(NS, suite.cluster.hostBrokerUri)); // KEDA runs on the host: loopback, as guest

  const [kedaLoad, hareLoad] = [new Load(suite.cluster.hostBrokerUri, 'peers-keda'), new Load(suite.cluster.hostBrokerUri, 'peers-hare')];
  loads.push(kedaLoad, hareLoad);
  await kedaLoad.open();
  await hareLoad.open();
  // the Deployment runs the pod the operator builds (declared topology, preStop drain, grace period): made by a pool, then kept
  await apply([consumerPool('peers-keda', image)]);
  const templatePod = await waitFor('the template pool\'s pod', async () => {
    const list = JSON.parse(await t.kubectl('get', 'pods', '-n', NS, '-l', 'hare.dev/pool=peers-keda', '-o', 'json')) as { items: { spec: Record<string, unknown>; status: { phase?: string } }[] };
    return list.items.find((p) => p.status.phase === 'Running');
  }, 180_000);
  await t.kubectl('delete', 'cpool', '-n', NS, 'peers-keda', '--wait=true', '--timeout=120s');
  const sides = [await kedaSide(ctx, 'peers-keda', reusableSpec(templatePod)), poolSide(ctx, 'peers-hare')] as const;
  await apply([consumerPool('peers-hare', image)]);
  const pairs = [[sides[0], kedaLoad, kedaResult], [sides[1], hareLoad, hareResult]] as const;
  for (const [side] of pairs) await settled(side, 1);

  // the two sides run side by side (own queues, pods and scalers), each with the same random phases
  if (phases.has('latency')) await Promise.all(pairs.map(([side, load, result]) => latency(side, load, seeded(4242), result)));
  if (phases.has('scale-downs')) await Promise.all(pairs.map(([side, load, result]) => scaleDownCycles(side, load, result)));
  for (const [side] of pairs) await side.scale(0);

  if (phases.has('connections')) await connectionsPhase(reusableSpec(templatePod));
} finally {
  sampler?.stop();
  await Promise.allSettled(loads.map((l) => l.close()));
  await keda?.stop();
  deleteUsers(users);
  await endSuite(suite, { uninstallOperator: true });
}

const peaks = sampler?.peaks() ?? {};
const row = (what: string, k: string, h: string): string => `${what.padEnd(46)}${k.padEnd(50)}${h}`;
const downs = (r: Result): string => `${r.twice} / ${r.lost} / ${r.redelivered}`;
const busy = (r: Result): string => `${r.busyRemoved} of ${r.removed} removed pods (${r.avoidable} with an idle pod kept)`;
const conns = (r: Result): string => connectionCounts.map((n) => String(r.connections.get(n) ?? '-')).join(' / ');
console.log(`\nbench:peers, one run on the local cluster (KEDA v2.21.0 built from its Go module; hare-operator from this tree)
${row('', 'KEDA + HPA (Deployment)', 'hare-operator (ConsumerPool)')}
${row(`backlog -> spec.replicas raised (${kedaResult.latencyMs.length} runs)`, latencyLine(kedaResult.latencyMs).split(', min')[0] ?? '', latencyLine(hareResult.latencyMs).split(', min')[0] ?? '')}
${row(`scale-downs ${SCALE_FROM} -> 1 under a 6/s trickle`, `${kedaResult.removed} pods removed`, `${hareResult.removed} pods removed`)}
${row('  processed twice / lost / redelivered', downs(kedaResult), downs(hareResult))}
${row('  busy pods removed', busy(kedaResult), busy(hareResult))}
${row(`broker connections at ${connectionCounts.join(' / ')}`, conns(kedaResult), conns(hareResult))}
${row('controller peak RSS', `${Math.round((peaks['keda-operator'] ?? 0) + (peaks['keda-adapter'] ?? 0))} MB (operator ${Math.round(peaks['keda-operator'] ?? 0)} + adapter ${Math.round(peaks['keda-adapter'] ?? 0)})`, `${Math.round(peaks['hare-operator'] ?? 0)} MB`)}`);
