// What the operator benchmarks run in: the control plane with the CRD, API clients, and one fresh name used for a
// namespace (with the broker Secret `rabbitmq`), a queue and the operator's identity; close() removes all of it.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import amqp, { type ConfirmChannel } from 'amqplib';
import type { LocalCluster } from '../../test-e2e/cluster/index.ts';
import { controlPlaneWithCrd } from '../test/support/control-plane.ts';

export const AMQP_URI = process.env.HARE_TEST_AMQP_URI ?? 'amqp://guest:guest@127.0.0.1:5672/';

export interface BenchEnvironment {
  cluster: LocalCluster;
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** `<prefix>-<random>`: the namespace, the queue, and the operator's identity. */
  name: string;
  channel: ConfirmChannel;
  /** Deletes the namespace and the queue; stops the control plane when this run started it. */
  close(): Promise<void>;
}

/** `secret` is the stringData of the Secret `rabbitmq` in the namespace. */
export async function benchEnvironment(prefix: string, secret: Record<string, string>): Promise<BenchEnvironment> {
  const { cluster } = await controlPlaneWithCrd();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const conn = await amqp.connect(AMQP_URI);
  const channel = await conn.createConfirmChannel();
  await channel.assertQueue(name, { durable: false });
  await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedSecret({ namespace: name, body: { metadata: { name: 'rabbitmq' }, stringData: secret } });
  const close = async (): Promise<void> => {
    await core.deleteNamespace({ name }).catch(() => undefined);
    await channel.deleteQueue(name).catch(() => undefined);
    await conn.close();
    // a reused control plane would still be deleting this run's pods while the next run measures
    if (!cluster.alreadyRunning && !process.env.HARE_KEEP_CLUSTER) await cluster.stop();
  };
  return { cluster, kc, core, custom, name, channel, close };
}
