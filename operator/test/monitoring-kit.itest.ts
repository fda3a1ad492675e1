// The monitoring kit against a real Prometheus, with no kubelet: Prometheus scrapes the operator process (on this
// control plane) and consumer runtimes on loopback (on the real broker), and every dashboard query and alert
// expression of the chart must return series; a misspelt metric name must not. The e2e tier does the same with pods.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAll, prometheusCount, type Finding, type KitExpression } from '../../test-e2e/monitoring/evaluate.ts';
import { kitExpressions, renderKit } from '../../test-e2e/monitoring/kit.ts';
import { startPrometheus, type RunningPrometheus } from '../../test-e2e/monitoring/prometheus.ts';
import { freshNamespace, kube, type Kube } from './support/kube.ts';
import { freePort, startOperator, type OperatorProcess } from './support/operator-process.ts';
import { NO_NODE } from './support/pools.ts';

const BROKER = process.env.HARE_TEST_BROKER_URI ?? 'amqp://guest:guest@127.0.0.1:5672/';
const MANAGEMENT = process.env.HARE_TEST_MANAGEMENT_URI ?? 'http://guest:guest@127.0.0.1:15672';
const NOWHERE = 'amqp://guest:guest@127.0.0.1:1/';
const RUNTIME = new URL('../../consumer-image/src/main.ts', import.meta.url).pathname;
const MODULES = new URL('../../examples/modules', import.meta.url).pathname;

let k: Kube;
let ns: string;
let op: OperatorProcess | undefined;
let prom: RunningPrometheus | undefined;
const runtimes: { child: ChildProcess; port: number; pod: string }[] = [];

/** A pool at a fixed size of 2 (so it sits at maxReplicas), never scheduled; its pods are the runtimes below. */
const pool = (name: string, module: string, secret: string): object => ({
  apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', metadata: { name, namespace: ns },
  spec: {
    module, image: 'localhost/hare/examples:0.1.0', replicas: 2,
    broker: { uriSecretRef: { name: secret, key: 'uri' }, managementUriSecretRef: { name: secret, key: 'management-uri' } },
    queue: { name: `${ns}.${name}`, prefetch: 5, retry: { limit: 1, delaysMs: [200] } },
    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 2, pollIntervalSeconds: 2 },
    ...NO_NODE,
  },
});

/** A consumer runtime standing in for one pod of `poolName`. */
async function runtime(pod: string, poolName: string, module: string, uri: string): Promise<void> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '', HARE_MODULE: module, HARE_MODULES_DIR: MODULES, HARE_BROKER_URI: uri, HARE_QUEUE: `${ns}.${poolName}`,
    HARE_HTTP_PORT: String(port), HARE_RETRY_DELAYS_MS: '200', HARE_RETRY_LIMIT: '1', HARE_DRAIN_TIMEOUT_SECONDS: '5',
    HARE_POD_NAME: pod, HARE_POD_NAMESPACE: ns, HARE_POOL: poolName,
  };
  runtimes.push({ child: spawn(process.execPath, [RUNTIME], { env, stdio: 'ignore' }), port, pod });
}

const staticJob = (job: string, targets: { port: number; labels: Record<string, string> }[]): object => ({
  job_name: job, honor_labels: true, static_configs: targets.map((t) => ({ targets: [`127.0.0.1:${t.port}`], labels: t.labels })),
});

beforeAll(async () => {
  k = kube();
  ns = await freshNamespace(k, 'kit');
  const secret = (name: string, uri: string, management: string): object =>
    ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: { uri, 'management-uri': management } });
  const applied = await k.kubectlStdin(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    secret('rabbitmq', BROKER, MANAGEMENT), secret('nowhere', NOWHERE, 'http://guest:guest@127.0.0.1:1'),
    pool('picky', 'picky', 'rabbitmq'), pool('lost', 'hello', 'nowhere'),
  ] }), 'apply', '-f', '-');
  expect(applied.stderr).toBe('');
  await runtime('picky-a', 'picky', 'picky', BROKER);
  await runtime('picky-b', 'picky', 'picky', BROKER);
  await runtime('lost-a', 'lost', 'hello', NOWHERE);
  op = await startOperator(k.kubeconfig, ['--namespace', ns]);
  // acked, retried then dead-lettered, and rejected messages, once the runtimes have declared the queue
  const conn = await amqp.connect(BROKER);
  for (const deadline = Date.now() + 30_000; ;) {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    if (await ch.checkQueue(`${ns}.picky`).then(() => ch.close().then(() => true), () => false)) break;
    if (Date.now() > deadline) throw new Error(`queue ${ns}.picky never declared`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const ch = await conn.createConfirmChannel();
  for (let i = 0; i < 60; i++) {
    const body = i % 10 === 0 ? { fail: true } : i % 10 === 1 ? { reject: 'kit' } : { id: `m${i}` };
    ch.sendToQueue(`${ns}.picky`, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
  }
  await ch.waitForConfirms();
  await conn.close();
  prom = await startPrometheus(mkdtempSync(join(tmpdir(), 'hare-prom-')), [
    // the operator as the chart's release hare-operator in hare-system would be scraped
    staticJob('hare-operator', [{ port: op.metricsPort, labels: { namespace: 'hare-system', pod: 'hare-operator-local' } }]),
    staticJob('hare-consumer', runtimes.map((r) => ({ port: r.port, labels: { namespace: ns, pod: r.pod } }))),
  ], '2s');
});

afterAll(async () => {
  await prom?.stop();
  await op?.stop();
  for (const r of runtimes) r.child.kill('SIGKILL');
  await k?.kubectlResult('delete', 'namespace', ns, '--wait=false');
});

/** Evaluates until nothing is missing or `ms` have passed; the last findings. */
async function settled(kit: KitExpression[], ms: number): Promise<Finding[]> {
  const count = prometheusCount(prom!.url);
  let findings = await evaluateAll(kit, count);
  for (const deadline = Date.now() + ms; findings.length > 0 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 3000));
    findings = await evaluateAll(kit, count);
  }
  return findings;
}

describe('the monitoring kit against a real Prometheus', () => {
  it('has series for every dashboard query and alert expression', async () => {
    const kit = kitExpressions(await renderKit());
    expect(kit.length).toBeGreaterThan(40);
    expect(await settled(kit, 90_000)).toEqual([]);
  });

  it('fails each expression that reads a misspelt metric name', async () => {
    const kit = kitExpressions(await renderKit()).map((e) => ({ ...e, expr: e.expr.replaceAll('hare_autoscaler_max_replicas', 'hare_autoscaler_max_replica') }));
    const findings = await evaluateAll(kit, prometheusCount(prom!.url));
    expect([...new Set(findings.map((f) => f.source))]).toEqual(['alert HarePoolAtMaxWithGrowingBacklog', 'panel "Replicas" #2']);
  });
});
