// Any consumer, on real parts (issue 11): a Go image (runtime: generic) drained exactly once over 50+ scale-downs
// and scaled down idle-first by pod IP; a pool on amqps:// with a private CA that autoscales and drains, and one
// with a wrong CA that reports the certificate error and loses nothing; a pool with volumes, envFrom, a native
// sidecar and its own command.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSecret } from './cluster/index.ts';
import { Load } from './support/load.ts';
import { busyAddresses, podsOf } from './support/pods.ts';
import { poolState, type PoolState } from './support/pool-state.ts';
import { scaleDownCycles } from './support/scale-cycles.ts';
import { dumpOnFailure as dumpSuite } from './support/dump.ts';
import { endSuite, installOperator, startSuite, type Suite } from './support/suite.ts';
import { waitFor, type Tools } from './support/tools.ts';

const NS = 'any-image';
let suite: Suite;
let t: Tools;
const loads: Load[] = [];
const pool = (name: string): Promise<PoolState> => poolState(t, NS, name);
const dumpOnFailure = (): void => dumpSuite(suite);
const apply = (...objects: object[]): Promise<string> => t.kubectlStdin(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }), 'apply', '-f', '-');

async function openLoad(queue: string): Promise<Load> {
  const load = new Load(suite.cluster.hostBrokerUri, queue);
  await load.open();
  loads.push(load);
  return load;
}

function consumerPool(name: string, spec: Record<string, unknown>): object {
  return {
    apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', metadata: { name, namespace: NS },
    spec: {
      broker: { uriSecretRef: { name: 'rabbitmq', key: 'uri' }, managementUriSecretRef: { name: 'rabbitmq', key: 'management-uri' } },
      queue: { name, prefetch: 10 },
      drain: { timeoutSeconds: 30 },
      ...spec,
    },
  };
}

function condition(name: string, type: string): Promise<string> {
  return t.kubectl('get', 'cpool', '-n', NS, name, '-o', `jsonpath={.status.conditions[?(@.type=="${type}")].status} {.status.conditions[?(@.type=="${type}")].message}`);
}

beforeAll(async () => {
  suite = await startSuite({ namespace: NS, images: ['operator', 'consumer', 'examples', 'go-consumer'] });
  t = suite.t;
  await installOperator(t, '--set', `watchNamespace=${NS}`); // a Role in NS only: the operator leaves other namespaces alone
});

afterAll(async () => {
  await Promise.allSettled(loads.map((l) => l.close()));
  await endSuite(suite, { uninstallOperator: true });
});

describe('a Go consumer image (runtime: generic) whose connection names no pod', () => {
  const GO = 'go-orders';
  let load: Load;

  it('runs: the pods become Ready and consume', async () => {
    dumpOnFailure();
    load = await openLoad(GO);
    await apply(consumerPool(GO, {
      runtime: 'generic', image: suite.images.get('go-consumer'), replicas: 1, queue: { name: GO, prefetch: 1 },
      // read every 2 s (paused: no autoscaling writes), so the operator knows each pod's unacked count when it scales down
      autoscaling: { enabled: true, paused: true, minReplicas: 1, maxReplicas: 8, pollIntervalSeconds: 2 },
      // the example's options: a record of each message for the tally, and no connection name, so the operator
      // can only match the broker's consumers to pods by their IP
      template: { spec: { containers: [{ name: 'consumer', env: [{ name: 'EXAMPLE_RECORD_QUEUE', value: `${GO}.processed` }, { name: 'EXAMPLE_UNNAMED_CONNECTION', value: 'true' }] }] } },
    }));
    await waitFor('1 ready Go pod', async () => (await pool(GO)).readyReplicas === 1, 180_000);
    await waitFor(`the queue ${GO} declared`, async () => (await condition(GO, 'TopologyReady')).startsWith('True'), 60_000);
    await load.publish(20, 0);
    await waitFor('20 records', () => load.tally().recorded === 20, 60_000);
    expect(load.tally()).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
  });

  it('scales down the idle pod first, matched to the broker\'s consumers by pod IP, where age alone would keep it', async () => {
    dumpOnFailure();
    // prefetch 1: a busy pod takes nothing more, so where each message goes is known
    const [oldest] = (await podsOf(t, NS, GO)).filter((p) => !p.terminating);
    await load.publish(1, 12_000); // the oldest pod, alone, takes it
    await t.kubectl('scale', '-n', NS, `cpool/${GO}`, '--replicas=3');
    await waitFor('3 consumers on the queue', async () => (await pool(GO)).readyReplicas === 3 && (await load.consumerCount()) === 3, 120_000);
    await load.publish(2, 40_000); // one to each new pod: the oldest is still busy
    const pods = await podsOf(t, NS, GO);
    const ipOf = (name: string): string => pods.find((p) => p.name === name)?.ip ?? '';
    const newer = pods.filter((p) => p.name !== oldest!.name).map((p) => p.name).sort();
    // the oldest finishes its message and is idle; the two newer ones hold theirs (the broker's view, by address)
    await waitFor('the broker to show only the two newer pods holding messages', async () => {
      const busy = await busyAddresses(GO);
      return busy.length === 2 && newer.every((n) => busy.includes(ipOf(n)));
    }, 60_000, 500);
    await new Promise((r) => setTimeout(r, 5000)); // two of the operator's reads see it too
    // the ReplicaSet's order (newest first) would remove a busy newer pod and keep the idle oldest one
    await t.kubectl('scale', '-n', NS, `cpool/${GO}`, '--replicas=2');
    await waitFor('2 pods left, none draining', async () => { const p = await pool(GO); return p.liveReplicas === 2 && p.drainingReplicas === 0; }, 120_000);
    const left = (await podsOf(t, NS, GO)).filter((p) => !p.terminating).map((p) => p.name).sort();
    console.log(`[e2e] idle-first by pod IP: idle ${oldest!.name} (${oldest!.ip}), busy ${newer.join(',')}, kept ${left.join(',')}`);
    expect(left).toEqual(newer);
    await waitFor('the three long messages recorded', () => load.tally().missing.length === 0, 90_000);
    expect(load.tally()).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
    await t.kubectl('scale', '-n', NS, `cpool/${GO}`, '--replicas=1');
  });

  it('survives 50+ scale-down events under load: every message processed once', async () => {
    dumpOnFailure();
    const trickle = load.trickle(10, 100); // prefetch 1: one pod keeps up with it
    const events = await scaleDownCycles(t, NS, GO, { high: 8, events: 50 });
    await trickle.stop();
    await waitFor('every message recorded', () => load.tally().missing.length === 0, 120_000);
    const tally = load.tally();
    console.log(`[e2e] Go drain check: ${events} scale-down events, ${tally.published} published, ${tally.recorded} recorded, ${tally.duplicates.length} processed twice, ${tally.missing.length} lost`);
    expect(events).toBeGreaterThanOrEqual(50);
    expect(tally).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
    await t.kubectl('delete', '-n', NS, `cpool/${GO}`, '--wait=true', '--timeout=180s');
  });
});

describe('a pool on amqps:// with a private CA', () => {
  const SECURE = 'secure';
  let load: Load;
  const tlsPool = (name: string, caSecret: string, spec: Record<string, unknown>): object => consumerPool(name, {
    module: 'recorder', image: suite.images.get('examples'),
    broker: { uriSecretRef: { name: 'rabbitmq-tls', key: 'uri' }, tls: { secretName: caSecret } },
    queue: { name: SECURE, prefetch: 10 },
    ...spec,
  });
  const caSecret = (name: string, caFile: string): object => ({
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, stringData: { 'ca.crt': readFileSync(caFile, 'utf8') },
  });

  it('runs, autoscales over amqps:// and drains: nothing lost, nothing twice', async () => {
    dumpOnFailure();
    const tls = suite.broker.tls;
    expect(tls, 'the provider names no TLS listener: set HARE_E2E_BROKER_TLS_URI and HARE_E2E_BROKER_CA_FILE').toBeDefined();
    load = await openLoad(SECURE);
    await apply(
      brokerSecret({ ...suite.broker, uri: tls!.uri }, NS, 'rabbitmq-tls'),
      caSecret('broker-ca', tls!.caFile),
      tlsPool(SECURE, 'broker-ca', {
        autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 4, messagesPerReplica: 20, pollIntervalSeconds: 2, scaleDown: { stabilizationWindowSeconds: 10 } },
      }),
    );
    await waitFor('1 ready pod', async () => (await pool(SECURE)).readyReplicas === 1, 180_000);
    await waitFor('BrokerReachable=True', async () => (await condition(SECURE, 'BrokerReachable')).startsWith('True'), 60_000);
    await load.publish(300, 300);
    const up = await waitFor('spec.replicas >= 3', async () => { const p = await pool(SECURE); return p.replicas >= 3 && p; }, 60_000, 500);
    expect(up.lastScaledBy).toBe('hare-autoscaler');
    const trickle = load.trickle(10, 300); // work in flight while pods are drained
    await waitFor('scaled back to 1', async () => { const p = await pool(SECURE); return p.replicas === 1 && p.liveReplicas === 1 && p.drainingReplicas === 0; }, 300_000, 1000);
    await trickle.stop();
    await waitFor('every message recorded', () => load.tally().missing.length === 0, 120_000);
    const tally = load.tally();
    console.log(`[e2e] amqps pool: ${tally.published} published, ${tally.recorded} recorded, ${tally.duplicates.length} processed twice`);
    expect(tally).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
  });

  it('with a wrong CA: BrokerReachable=False with the certificate error, nothing consumed or lost; a corrected Secret recovers', async () => {
    dumpOnFailure();
    const tls = suite.broker.tls!;
    // the first pool steps aside; the second, on the same queue, trusts a CA that signed nothing
    await t.kubectl('patch', '-n', NS, `cpool/${SECURE}`, '--type=merge', '-p', JSON.stringify({ spec: { autoscaling: { enabled: false }, replicas: 0 } }));
    await waitFor('no secure pods', async () => (await pool(SECURE)).liveReplicas === 0 && (await pool(SECURE)).drainingReplicas === 0, 120_000);
    await apply(caSecret('wrong-ca', '/etc/rabbitmq/tls/other-ca.crt'), tlsPool('wrong-ca', 'wrong-ca', {
      autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 2, messagesPerReplica: 20, pollIntervalSeconds: 2 },
    }));
    const reachable = await waitFor('BrokerReachable=False', async () => { const c = await condition('wrong-ca', 'BrokerReachable'); return c.startsWith('False') && c; }, 90_000);
    console.log(`[e2e] wrong CA: BrokerReachable ${reachable}`);
    expect(reachable).toMatch(/certificate/i);
    const recorded = load.tally().recorded;
    await load.publish(30, 0);
    await new Promise((r) => setTimeout(r, 10_000));
    expect((await pool('wrong-ca')).readyReplicas).toBe(0);
    expect(load.tally().recorded).toBe(recorded);
    expect(await load.readyCount()).toBe(30);
    // the same Secret corrected: the operator reads it again after a failed read, the pod at its next connect
    await apply(caSecret('wrong-ca', tls.caFile));
    await waitFor('BrokerReachable=True', async () => (await condition('wrong-ca', 'BrokerReachable')).startsWith('True'), 120_000);
    await waitFor('the 30 messages recorded', () => load.tally().missing.length === 0, 300_000, 2000);
    expect(load.tally()).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
    await t.kubectl('delete', '-n', NS, 'cpool/wrong-ca', `cpool/${SECURE}`, '--wait=true', '--timeout=180s');
  });
});

describe('a pool with volumes, envFrom, a native sidecar and its own command', () => {
  const NAME = 'templated';
  const ENTRYPOINT = '/app/node_modules/@hare-operator/consumer-runtime/dist/main.js';
  // a module delivered by a ConfigMap volume; its record shows a variable from envFrom, a file the sidecar wrote and
  // the flags of the pool's own command
  const MODULE = `import { readFileSync } from 'node:fs';
export async function consume(message, context) {
  const id = message.body.id;
  await context.publish('', context.queue + '.processed', {
    id, pod: context.podName, retryCount: message.retryCount, redelivered: message.redelivered,
    tag: process.env.RECORD_TAG, sidecar: readFileSync('/shared/sidecar', 'utf8'), execArgv: process.execArgv,
  }, { messageId: id });
}
`;

  it('runs on the node: the sidecar starts first, the pod consumes with what each part gave it', async () => {
    dumpOnFailure();
    const load = await openLoad(NAME);
    const configMap = (name: string, data: Record<string, string>): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data });
    await apply(
      configMap('templated-module', { 'index.mjs': MODULE }),
      configMap('templated-env', { RECORD_TAG: 'from-envFrom' }),
      consumerPool(NAME, {
        module: 'mounted', image: suite.images.get('examples'), replicas: 1,
        template: {
          spec: {
            volumes: [{ name: 'module', configMap: { name: 'templated-module' } }, { name: 'shared', emptyDir: {} }],
            initContainers: [{
              name: 'sidecar', image: suite.images.get('examples'), restartPolicy: 'Always',
              command: ['node', '-e', "require('node:fs').writeFileSync('/shared/sidecar', 'written by the sidecar'); setInterval(() => {}, 1 << 30);"],
              volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
            }],
            containers: [{
              name: 'consumer',
              command: ['node', '--max-old-space-size=128', ENTRYPOINT],
              envFrom: [{ configMapRef: { name: 'templated-env' } }],
              volumeMounts: [{ name: 'module', mountPath: '/app/modules/mounted', readOnly: true }, { name: 'shared', mountPath: '/shared', readOnly: true }],
            }],
          },
        },
      }),
    );
    await waitFor('1 ready pod', async () => (await pool(NAME)).readyReplicas === 1, 180_000);
    const [pod] = (JSON.parse(await t.kubectl('get', 'pods', '-n', NS, '-l', `hare.dev/pool=${NAME}`, '-o', 'json')) as {
      items: Array<{ status: { initContainerStatuses?: Array<{ name: string; started?: boolean; ready?: boolean }> } }>;
    }).items;
    expect(pod?.status.initContainerStatuses).toEqual([expect.objectContaining({ name: 'sidecar', started: true })]);
    await load.publish(5, 0);
    await waitFor('5 records', () => load.tally().recorded === 5, 60_000);
    expect(load.tally()).toMatchObject({ duplicates: [], missing: [] });
    for (const record of load.records) {
      expect(record).toMatchObject({ tag: 'from-envFrom', sidecar: 'written by the sidecar', execArgv: ['--max-old-space-size=128'] });
    }
    await t.kubectl('delete', '-n', NS, `cpool/${NAME}`, '--wait=true', '--timeout=180s');
  });
});
