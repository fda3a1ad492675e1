// Pools on amqps:// with a private CA on a real API server and RabbitMQ's own TLS listener (127.0.0.1:5671,
// management HTTPS 15671; hack/ensure-rabbitmq.sh makes the CA): the right CA autoscales, a wrong one is
// BrokerReachable=False with the certificate error, and the pool keeps its size.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broker, type Broker } from './support/broker.ts';
import { createPool, freshNamespace, getPool, kube, waitFor, type Kube } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';
import { poolManifest } from './support/pools.ts';

const TLS_DIR = process.env.HARE_TEST_TLS_DIR ?? '/etc/rabbitmq/tls';
let k: Kube;
let ns: string;
let op: OperatorProcess;
let mq: Broker;
const queues: string[] = [];

beforeAll(async () => {
  k = kube();
  mq = await broker();
  ns = await freshNamespace(k, 'it-broker-tls');
  const secret = (name: string, stringData: Record<string, string>) => k.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData } });
  await secret('rabbitmq-tls', { uri: 'amqps://guest:guest@127.0.0.1:5671', 'management-uri': 'https://guest:guest@127.0.0.1:15671' });
  await secret('broker-ca', { 'ca.crt': readFileSync(`${TLS_DIR}/ca.crt`, 'utf8') });
  await secret('other-ca', { 'ca.crt': readFileSync(`${TLS_DIR}/other-ca.crt`, 'utf8') });
  op = await startOperator(k.kubeconfig, ['--namespace', ns]);
});
afterAll(async () => {
  await op?.stop();
  for (const q of queues) await mq.remove(q).catch(() => undefined);
  await mq?.close();
  await k.core.deleteNamespace({ name: ns }).catch(() => undefined);
});

async function tlsPool(name: string, caSecret: string, replicas: number): Promise<string> {
  const queue = `${name}-${randomBytes(3).toString('hex')}`;
  await mq.declare(queue);
  queues.push(queue);
  const m = poolManifest(name, { replicas });
  Object.assign(m.spec as object, {
    broker: { uriSecretRef: { name: 'rabbitmq-tls', key: 'uri' }, managementUriSecretRef: { name: 'rabbitmq-tls', key: 'management-uri' }, tls: { secretName: caSecret } },
    queue: { name: queue, prefetch: 10 },
    autoscaling: { minReplicas: 1, maxReplicas: 6, pollIntervalSeconds: 1, fallback: { failureThreshold: 2 }, scaleDown: { stabilizationWindowSeconds: 0 } },
  });
  await createPool(k, ns, m);
  return queue;
}

const condition = async (name: string, type: string) => (await getPool(k, ns, name)).status?.conditions?.find((c) => c.type === type);

describe('a pool on amqps:// with a private CA', () => {
  it('reads depth over TLS (AMQP and the management API) and autoscales', async () => {
    const q = await tlsPool('tls-good', 'broker-ca', 1);
    await mq.publish(q, 30);
    await waitFor('replicas 3', async () => (await getPool(k, ns, 'tls-good')).spec.replicas === 3, 20_000);
    expect(await condition('tls-good', 'BrokerReachable')).toMatchObject({ status: 'True' });
    expect((await getPool(k, ns, 'tls-good')).status?.queue).toMatchObject({ ready: 30, unacked: 0 }); // unacked: the HTTPS read
  });

  it('reports BrokerReachable=False with the certificate error for a wrong CA, and never scales on it', async () => {
    await tlsPool('tls-wrong', 'other-ca', 2);
    const c = await waitFor('BrokerReachable=False', async () => {
      const found = await condition('tls-wrong', 'BrokerReachable');
      return found?.status === 'False' && found;
    }, 30_000);
    expect(c.message).toMatch(/certificate/i);
    expect(c.message).not.toMatch(/guest/);
    expect((await getPool(k, ns, 'tls-wrong')).spec.replicas).toBe(2); // an empty queue it cannot see is no reason to shrink
  });
});
