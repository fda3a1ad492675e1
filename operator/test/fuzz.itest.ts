// Fuzz: pools generated with fast-check from the CRD's schema, created for real (the API server keeps what it
// accepts), then one operator over all of them: no crash, no hot loop, and every pool converges or says why not.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../src/api/pool.ts';
import { API_VERSION, GROUP, KIND, LABELS, PLURAL, VERSION } from '../src/metadata.ts';
import { AMQP_URI, MANAGEMENT_URI } from './support/broker.ts';
import { createPool, freshNamespace, kube, waitFor, type Kube } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';
import { NO_NODE } from './support/pools.ts';
import { fromSchema, type Schema } from './support/schema-arbitrary.ts';

const CRD = new URL('../../crds/consumerpools.hare.dev.yaml', import.meta.url).pathname;
/** Pools the operator runs over; generation stops there (or at MAX_TRIES). */
const ACCEPTED = 200;
const MAX_TRIES = 4_000; // about 13 % are accepted: 200 take some 1500 tries, more on some seeds
const SETTLE_MS = 90_000;
/**
 * The quiet window starts this long after the operator did: a pool whose writes keep failing retries with a
 * backoff that doubles from 50 ms, so by then each retries at most about once in the window; a hot loop does not.
 */
const QUIET_FROM_MS = 60_000;
const QUIET_MS = 15_000;
const MANAGEMENT_API = 'http://127.0.0.1:15672';
const SEED = Number(process.env.HARE_FUZZ_SEED ?? Date.now() % 2 ** 31);

const small = (min = 0): fc.Arbitrary<number> => fc.integer({ min, max: 3 });
/**
 * What the schema allows, except: sizes stay small (the run time), secret names are mostly the ones that exist
 * here or plainly missing, and queue names carry a prefix so that what the operator declares can be removed.
 */
const OVERRIDES = (queuePrefix: string): Record<string, fc.Arbitrary<unknown>> => ({
  'spec.replicas': small(),
  'spec.autoscaling.minReplicas': small(),
  'spec.autoscaling.maxReplicas': small(1),
  'spec.autoscaling.fallback.replicas': small(),
  'spec.broker.uriSecretRef.name': fc.constantFrom('rabbitmq', 'rabbitmq', 'rabbitmq', 'missing', 'Not_A_Name'),
  'spec.broker.uriSecretRef.key': fc.constantFrom('uri', 'uri', 'uri', 'management-uri', 'absent'),
  'spec.broker.managementUriSecretRef.name': fc.constantFrom('rabbitmq', 'missing'),
  'spec.broker.managementUriSecretRef.key': fc.constantFrom('management-uri', 'uri'),
  'spec.queue.name': fc.stringMatching(/^[a-z0-9.-]{1,12}$/).map((s) => `${queuePrefix}${s}`),
  'spec.queue.exchange': fc.stringMatching(/^[a-z0-9.-]{1,12}$/).map((s) => `${queuePrefix}${s}`),
  // fields the schema types loosely but CEL constrains (a batch within the prefetch, a module for the hare runtime, a
  // DNS name for the TLS Secret): mostly valid, so that enough pools are accepted; the refusals stay in crd.itest.ts
  'spec.queue.batch.size': fc.integer({ min: 1, max: 4 }),
  'spec.module': fc.option(fc.constantFrom('orders', 'recorder', '@shop/orders'), { freq: 8, nil: undefined }),
  'spec.broker.tls.secretName': fc.constantFrom('rabbitmq', 'missing', 'Not_A_Name'),
  // the generated PodSpec parts: random containers, init containers and volumes break the restricted profile or the
  // runtime's port and hooks almost always (4 % of pools were accepted with them), so the API server's refusals of
  // those are pinned by crd.itest.ts's catalogue and pod-template.itest.ts instead
  ...Object.fromEntries(['containers', 'initContainers', 'volumes'].map((f) => [`spec.template.spec.${f}`, fc.constant(undefined)])),
});

/** A generated name: usually a DNS label, sometimes too long for one (the API server must refuse it). */
const nameArb = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z0-9]{1,12}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]{58,70}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

interface Outcome { name: string; converged: boolean; condition?: string; detail: string }

let k: Kube;
let ns: string;
let op: OperatorProcess | undefined;
const queuePrefix = `fuzz-${SEED.toString(36)}-`;

beforeAll(async () => {
  k = kube();
  ns = await freshNamespace(k, 'it-fuzz');
  await k.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'rabbitmq' }, stringData: { uri: AMQP_URI, 'management-uri': MANAGEMENT_URI } } });
});
afterAll(async () => {
  await op?.stop('SIGTERM');
  await k.core.deleteNamespace({ name: ns }).catch(() => undefined);
  await removeTopology(queuePrefix).catch(() => undefined);
});

describe('fuzzed pools', () => {
  it(`runs the operator over ${ACCEPTED} pools the API server accepted: no crash, no hot loop, each converges or says why`, async () => {
    const crd = load(readFileSync(CRD, 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: Schema } } } }[] } };
    const specArb = fromSchema(crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec, OVERRIDES(queuePrefix), 'spec');
    const samples = fc.sample(fc.tuple(nameArb, specArb), { numRuns: MAX_TRIES, seed: SEED });
    let tried = 0;
    let refused = 0;
    const refusals = new Map<string, number>();
    for (const [name, spec] of samples) {
      if (tried - refused >= ACCEPTED) break;
      tried++;
      const s = spec as { template?: { spec?: { nodeSelector?: Record<string, string> } } };
      // never schedulable, so a developer's node (if up) never runs these pods
      s.template = { ...s.template, spec: { ...s.template?.spec, nodeSelector: { ...s.template?.spec?.nodeSelector, ...NO_NODE.template.spec.nodeSelector } } };
      const body = { apiVersion: API_VERSION, kind: KIND, metadata: { name: `p${tried}${name}` }, spec };
      await createPool(k, ns, body).catch((err: { code?: number; body?: string }) => {
        if (err.code !== 422 && err.code !== 400) throw err;
        refused++;
        const field = /is invalid: (?:\[)?([\w.[\]]+)/.exec(err.body ?? '')?.[1]?.replace(/\[\d+\]/g, '[]') ?? `${err.code}`;
        refusals.set(field, (refusals.get(field) ?? 0) + 1);
      });
    }
    const accepted = tried - refused;
    op = await startOperator(k.kubeconfig, ['--namespace', ns, '--resync', '300', '--log-level', 'info']);
    const started = Date.now();

    // settle: every pool converged or carrying a condition that says why it cannot
    const settled = await waitFor('every pool to converge or say why not', async () => {
      const outcomes = await outcomesNow();
      return outcomes.every((o) => o.converged || o.condition) ? outcomes : undefined;
    }, SETTLE_MS, 2_000).catch(() => outcomesNow());
    await new Promise((r) => setTimeout(r, Math.max(0, started + QUIET_FROM_MS - Date.now())));
    const writesBefore = await writes(op);
    const windowStart = Date.now();
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const quiet = difference(await writes(op), writesBefore);
    // failed writes as the operator emitted them (its log line per Warning), not as the Events' counts show them:
    // under load the count patches lag and a burst of them lands in the window
    const retries = warningsLogged(op, windowStart, windowStart + QUIET_MS);
    const busiest = Math.max(0, ...retries.values());
    const crashes = op.child.exitCode === null && op.child.signalCode === null ? 0 : 1;
    const silent = settled.filter((o) => !o.converged && !o.condition);
    const unconverged = settled.filter((o) => !o.converged);
    console.log([
      `fuzz seed ${SEED} (HARE_FUZZ_SEED=${SEED} repeats it)`,
      `pools tried ${tried}, accepted ${accepted}, refused by the API server ${refused}`,
      `operator crashes ${crashes}; API writes in a quiet ${QUIET_MS / 1000} s from ${QUIET_FROM_MS / 1000} s on: ${quiet.total} (${quiet.by})`,
      `failed writes (Warnings the operator emitted) in that window: ${[...retries.values()].reduce((a, b) => a + b, 0)}, the most for one pool ${busiest}`,
      `converged ${accepted - unconverged.length}; not converged but with a condition ${unconverged.length - silent.length}; without either ${silent.length}`,
      ...conditionSummary(unconverged),
      `refused for: ${[...refusals].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([f, n]) => `${f} ${n}`).join(', ')}`,
      ...(await busiestWarnings()),
      ...(await Promise.all(silent.slice(0, 5).map(async (o) => `  without a condition: ${o.detail}; last Warning: ${await lastWarning(o.name)}`))),
    ].join('\n'));
    expect({ accepted: accepted >= ACCEPTED, crashes, silent: silent.map((o) => o.name) }).toEqual({ accepted: true, crashes: 0, silent: [] });
    // no hot loop: by then a failing pool's backoff (50 ms, doubling) is several seconds, so it retries about
    // twice in the window, and each retry is one pod write and one Event write; a pool update (a status write by
    // the topology, the autoscaler or the operator itself) brings a retry forward, which made 4 in one run here;
    // a loop even once a second would make 15
    expect(busiest).toBeLessThanOrEqual(6);
    expect(quiet.total).toBeLessThanOrEqual(4 * unconverged.length + 10);
  });
});

/** Converged: the live pods match spec.replicas for the current generation. Else the condition that says why. */
async function outcomesNow(): Promise<Outcome[]> {
  const pools = ((await k.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns })) as { items: Pool[] }).items;
  const pods = (await k.core.listNamespacedPod({ namespace: ns })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const live = new Map<string, number>();
  for (const p of pods) live.set(p.metadata?.labels?.[LABELS.pool] ?? '', (live.get(p.metadata?.labels?.[LABELS.pool] ?? '') ?? 0) + 1);
  return pools.map((pool) => {
    const current = pool.status?.observedGeneration === pool.metadata.generation;
    const converged = current && pool.spec.replicas !== undefined && (live.get(pool.metadata.name) ?? 0) === pool.spec.replicas;
    const conditions = (pool.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`).join(' ');
    const detail = `${pool.metadata.name}: replicas ${pool.spec.replicas}, live ${live.get(pool.metadata.name) ?? 0}, generation ${pool.metadata.generation}/${pool.status?.observedGeneration}, ${conditions}`;
    return { name: pool.metadata.name, converged, condition: current ? why(pool) : undefined, detail };
  });
}

/** A condition that explains a pool that is not where it should be: Stalled, failing writes, broker or topology. */
function why(pool: Pool): string | undefined {
  const failing = (pool.status?.conditions ?? []).find((c) => c.message && (
    (c.type === 'Stalled' && c.status === 'True') || (c.type === 'Progressing' && ['FailedCreate', 'FailedDelete'].includes(c.reason)) ||
    (['BrokerReachable', 'TopologyReady'].includes(c.type) && c.status === 'False')));
  return failing ? `${failing.type}=${failing.status} ${failing.reason}` : undefined;
}

function conditionSummary(outcomes: Outcome[]): string[] {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.condition ?? 'no condition', (counts.get(o.condition ?? 'no condition') ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([c, n]) => `  ${n} x ${c}`);
}

/** The Warnings recorded most often (Events aggregate repeats in their count): where retries go. */
async function busiestWarnings(): Promise<string[]> {
  const events = (await k.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'type=Warning' })).items;
  return events.sort((a, b) => (b.count ?? 1) - (a.count ?? 1)).slice(0, 3)
    .map((e) => `  Warning x${e.count ?? 1} on ${e.involvedObject.name}: ${e.message?.slice(0, 160)}`);
}

/** Per pool, the Warnings the operator logged (one line per Event it emits) between `from` and `to` (epoch ms). */
function warningsLogged(process: OperatorProcess, from: number, to: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of process.logs) {
    const at = Date.parse(String(line.time));
    if (line.type !== 'Warning' || at < from || at > to) continue;
    counts.set(String(line.pool), (counts.get(String(line.pool)) ?? 0) + 1);
  }
  return counts;
}

async function lastWarning(pool: string): Promise<string> {
  const events = (await k.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${pool},type=Warning` })).items;
  return events.at(-1)?.message ?? 'none';
}

/** hare_api_writes_total by verb and resource. */
async function writes(process: OperatorProcess): Promise<Map<string, number>> {
  const text = await process.metrics();
  return new Map([...text.matchAll(/^hare_api_writes_total\{([^}]*)\} (\d+)/gm)].map((m) => [m[1]!.replace(/"/g, ''), Number(m[2])]));
}

function difference(after: Map<string, number>, before: Map<string, number>): { total: number; by: string } {
  const by = [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0);
  return { total: by.reduce((sum, [, n]) => sum + n, 0), by: by.map(([k, n]) => `${k} ${n}`).join('; ') || 'none' };
}

/** Queues and exchanges declared for the fuzzed pools, removed through the management API. */
async function removeTopology(prefix: string): Promise<void> {
  const auth = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` };
  for (const kind of ['queues', 'exchanges']) {
    const found = (await (await fetch(`${MANAGEMENT_API}/api/${kind}/%2F?columns=name`, { headers: auth })).json()) as { name: string }[];
    for (const { name } of found.filter((x) => x.name.startsWith(prefix))) {
      await fetch(`${MANAGEMENT_API}/api/${kind}/%2F/${encodeURIComponent(name)}`, { method: 'DELETE', headers: auth });
    }
  }
}
