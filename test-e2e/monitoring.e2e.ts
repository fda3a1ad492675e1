// The chart on a real cluster as a platform team meets it: helm upgrade from the previous chart version (0.1.0, commit
// 7d49eb4) with the CRD updated, then a real Prometheus scraping the operator and consumer pods on the pod network
// (their addresses written to file_sd target files from the API server: Debian's build has no Kubernetes discovery),
// and every dashboard query and alert expression of the kit evaluated against it: none may return no series.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { brokerSecret, clusterConfig } from './cluster/index.ts';
import { evaluateAll, prometheusCount } from './monitoring/evaluate.ts';
import { KIT_VALUES, kitExpressions, renderKit } from './monitoring/kit.ts';
import { fileScrapeJobs, startPrometheus, writePodTargets, type PodLike, type RunningPrometheus } from './monitoring/prometheus.ts';
import { endSuite, OPERATOR_NS, startSuite, type Suite } from './support/suite.ts';
import { REPO, waitFor, type Tools } from './support/tools.ts';

const NS = 'monitoring-e2e';
const PREVIOUS = '7d49eb4';
let suite: Suite;
let t: Tools;
let prom: RunningPrometheus | undefined;
let targets: { stop(): void } | undefined;

const printerColumns = async (): Promise<string> => t.kubectl('get', 'crd', 'consumerpools.hare.dev', '-o', 'jsonpath={.spec.versions[0].additionalPrinterColumns[*].name}');

/** A pool of the examples image at a fixed size (no pod, and none of its counters, goes away during the check). */
function pool(name: string, module: string, broker: string, replicas: number): object {
  return {
    apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', metadata: { name, namespace: NS },
    spec: {
      module, image: 'localhost/hare/examples:0.1.0', replicas: 1,
      broker: { uriSecretRef: { name: broker, key: 'uri' }, managementUriSecretRef: { name: broker, key: 'management-uri' } },
      queue: { name: `${NS}.${name}`, prefetch: 5, retry: { limit: 1, delaysMs: [200] } },
      autoscaling: { enabled: true, minReplicas: replicas, maxReplicas: replicas, messagesPerReplica: 5, pollIntervalSeconds: 2 },
      drain: { timeoutSeconds: 10 },
    },
  };
}

beforeAll(async () => {
  suite = await startSuite({ namespace: NS, images: ['operator', 'consumer', 'examples'] });
  t = suite.t;
  // a broker nobody listens on (loopback of the pod and of the operator): depth reads fail, consumers stay disconnected
  await t.kubectlStdin(JSON.stringify(brokerSecret({ ...suite.broker, uri: 'amqp://guest:guest@127.0.0.1:1/', managementUri: 'http://guest:guest@127.0.0.1:1' }, NS, 'nowhere')), 'apply', '-f', '-');
});

afterAll(async () => {
  targets?.stop();
  await prom?.stop();
  await endSuite(suite, { uninstallOperator: true });
});

describe('the chart and its monitoring kit on a real cluster', () => {
  it(`upgrades from the previous chart (${PREVIOUS}) to this one, and the CRD's schema follows`, async () => {
    const old = mkdtempSync(join(tmpdir(), 'hare-chart-'));
    execFileSync('sh', ['-c', `git -C "${REPO}" archive ${PREVIOUS} charts/hare-operator | tar -x -C "${old}"`]);
    // the CRD as 0.1.0 leaves it, also where a reused control plane already has a newer one (helm install skips crds/ then)
    await t.kubectl('apply', '--server-side', '--force-conflicts', '-f', join(old, 'charts/hare-operator/crds'));
    // no --wait: the old chart's RBAC need not suit today's operator image; the upgrade below waits
    await t.helm('install', 'hare-operator', join(old, 'charts/hare-operator'), '-n', OPERATOR_NS, '--create-namespace');
    expect(await printerColumns()).not.toContain('Status');
    // 0.1.0 installed the CRD from crds/, outside the release: the first upgrade adopts it (docs: chart README)
    await t.helm('upgrade', 'hare-operator', join(REPO, 'charts/hare-operator'), '-n', OPERATOR_NS, '--take-ownership', '--wait', '--timeout', '5m',
      ...KIT_VALUES.filter((v) => !/Monitor|prometheusRule/.test(v)).flatMap((v) => ['--set', v]));
    expect(await printerColumns()).toContain('Status');
    const labels = JSON.parse(await t.kubectl('get', 'crd', 'consumerpools.hare.dev', '-o', 'jsonpath={.metadata.labels}')) as Record<string, string>;
    expect(labels['app.kubernetes.io/managed-by']).toBe('Helm');
    expect(await t.kubectl('get', 'deploy', '-n', OPERATOR_NS, 'hare-operator', '-o', 'jsonpath={.status.readyReplicas}')).toBe('2');
  });

  it('evaluates every dashboard query and alert expression against a Prometheus scraping the pods: each returns series', async () => {
    onTestFailed(() => console.error('--- prometheus ---\n', prom?.output().slice(-4000)));
    await t.kubectlStdin(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pool('picky', 'picky', 'rabbitmq', 2), pool('lost', 'hello', 'nowhere', 2)] }), 'apply', '-f', '-');
    const conn = await amqp.connect(suite.cluster.hostBrokerUri);
    const ch = await conn.createConfirmChannel();
    // a passive check closes its channel when the queue is missing: one channel per attempt
    await waitFor('the picky queue declared', async () => {
      const probe = await conn.createChannel();
      probe.on('error', () => undefined);
      return probe.checkQueue(`${NS}.picky`).then(async () => { await probe.close(); return true; }, () => false);
    }, 180_000, 2000);
    const send = (body: object): boolean => ch.sendToQueue(`${NS}.picky`, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
    for (let i = 0; i < 60; i++) send(i % 10 === 0 ? { fail: true } : i % 10 === 1 ? { reject: 'e2e' } : { id: `m${i}` });
    await ch.waitForConfirms();
    await conn.close();
    const dir = join(clusterConfig().cacheDir, 'prometheus-e2e');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const listPods = async (): Promise<PodLike[]> =>
      (JSON.parse(await t.kubectl('get', 'pods', '-A', '-l', 'app.kubernetes.io/name in (hare-operator,hare-consumer)', '-o', 'json')) as { items: PodLike[] }).items;
    const writer = writePodTargets(dir, listPods);
    targets = writer;
    await writer.ready;
    prom = await startPrometheus(dir, fileScrapeJobs(dir));
    const count = prometheusCount(prom.url);
    const kit = kitExpressions(await renderKit());
    // two pods at maxReplicas, retries, dead letters and failing reads: every series the kit reads shows up within minutes
    let findings = await evaluateAll(kit, count);
    for (const deadline = Date.now() + 6 * 60_000; findings.length > 0 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 10_000));
      findings = await evaluateAll(kit, count);
    }
    expect(findings).toEqual([]);
    console.log(`[e2e] monitoring kit: ${kit.length} expressions, each with series`);
    // the same check fails on a misspelt metric name
    const misspelt = kit.map((e) => ({ ...e, expr: e.expr.replace('hare_consumer_messages_acked_total', 'hare_consumer_messages_aked_total') }));
    expect((await evaluateAll(misspelt, count)).map((f) => f.problem)).toContain('no series: hare_consumer_messages_aked_total{namespace=~".+", pool=~".+"}');
  });
});
