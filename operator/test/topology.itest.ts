// The pool owns its topology: the operator declares it before any pod exists, reports conflicts without touching the
// queue or churning pods, checks it with declare none, and keeps the queues when the pool goes. Real API server,
// real RabbitMQ, the operator process; no kubelet (pods never start here).
import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMQP_URI } from './support/broker.ts';
import { createPool, getPool, poolPods, waitFor } from './support/kube.ts';
import { poolManifest } from './support/pools.ts';
import { dumpLogsOnFailure, operatorSuite } from './support/suite.ts';

const s = operatorSuite('it-topology');
let conn: ChannelModel;
const queues: string[] = [];

const unique = (prefix: string): string => {
  const q = `${prefix}-${randomBytes(3).toString('hex')}`;
  queues.push(q, `${q}.dead`, `${q}.delay.10000`);
  return q;
};
/** Queue info, or undefined when the broker has no such queue (each check on a channel of its own). */
async function queueInfo(name: string): Promise<{ messageCount: number } | undefined> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  try {
    const ok = await ch.checkQueue(name);
    await ch.close();
    return ok;
  } catch {
    return undefined;
  }
}
const topologyReady = async (name: string) => (await getPool(s.k, s.ns, name)).status?.conditions?.find((c) => c.type === 'TopologyReady');
const events = async (name: string): Promise<string[]> =>
  (await s.k.core.listNamespacedEvent({ namespace: s.ns, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => `${e.type}/${e.reason}: ${e.message}`);

beforeAll(async () => {
  conn = await amqp.connect(AMQP_URI);
  await s.k.core.createNamespacedSecret({ namespace: s.ns, body: { metadata: { name: 'rabbitmq' }, stringData: { uri: AMQP_URI } } });
});
afterAll(async () => {
  const ch = await conn.createChannel();
  for (const q of queues) await ch.deleteQueue(q);
  await conn.close();
});

describe('topology owned by the pool', () => {
  it('a pool at minReplicas 0 on a queue that does not exist yet: the topology appears before any pod, and a backlog scales it up from zero', async () => {
    dumpLogsOnFailure(s);
    const queue = unique('fresh');
    expect(await queueInfo(queue)).toBeUndefined();
    const m = poolManifest('fresh', { replicas: 0 });
    Object.assign(m.spec as object, { queue: { name: queue }, autoscaling: { enabled: true, minReplicas: 0, maxReplicas: 3, pollIntervalSeconds: 1 } });
    await createPool(s.k, s.ns, m);
    await waitFor('TopologyReady=True', async () => (await topologyReady('fresh'))?.status === 'True', 30_000);
    expect((await topologyReady('fresh'))?.reason).toBe('TopologyDeclared');
    for (const q of [queue, `${queue}.delay.10000`, `${queue}.dead`]) expect(await queueInfo(q), q).toBeDefined();
    expect(await poolPods(s.k, s.ns, 'fresh')).toEqual([]);
    const ch = await conn.createConfirmChannel();
    for (let i = 0; i < 100; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
    await ch.waitForConfirms();
    await ch.close();
    await waitFor('scaled up from zero', async () => ((await getPool(s.k, s.ns, 'fresh')).spec.replicas ?? 0) >= 1, 30_000);
    await waitFor('pods for it', async () => (await poolPods(s.k, s.ns, 'fresh')).length >= 1, 30_000);
    expect(await events('fresh')).toContainEqual(expect.stringMatching(/^Normal\/TopologyDeclared: declared exchange/));
  });

  it('an existing queue with other arguments: TopologyReady=False names the argument and both values, the queue is left as it is, pods are not churned', async () => {
    dumpLogsOnFailure(s);
    const queue = unique('taken');
    const ch = await conn.createChannel();
    for (const q of [queue, `${queue}.delay.10000`, `${queue}.dead`]) await ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.close();
    const m = poolManifest('taken', { replicas: 2 });
    Object.assign(m.spec as object, { queue: { name: queue } });
    await createPool(s.k, s.ns, m);
    await waitFor('TopologyReady=False', async () => (await topologyReady('taken'))?.status === 'False', 30_000);
    const condition = await topologyReady('taken');
    expect(condition?.reason).toBe('TopologyConflict');
    expect(condition?.message).toContain(`queue '${queue}' already exists with 'x-queue-type' = 'quorum', but the pool declares 'x-queue-type' =`);
    await waitFor('2 pods', async () => (await poolPods(s.k, s.ns, 'taken')).length === 2, 30_000);
    const uids = (await poolPods(s.k, s.ns, 'taken')).map((p) => p.metadata?.uid).sort();
    await new Promise((r) => setTimeout(r, 8000));
    expect((await poolPods(s.k, s.ns, 'taken')).map((p) => p.metadata?.uid).sort()).toEqual(uids);
    expect(await events('taken')).toContainEqual(expect.stringMatching(/^Warning\/TopologyConflict: queue/));

    // managed elsewhere: the operator only checks that the queues exist, whatever their arguments
    await s.k.kubectl('patch', '-n', s.ns, 'cpool/taken', '--type=merge', '-p', '{"spec":{"queue":{"declare":"none"}}}');
    await waitFor('TopologyReady=True (found)', async () => (await topologyReady('taken'))?.reason === 'TopologyFound', 30_000);
    expect((await topologyReady('taken'))?.status).toBe('True');
  });

  it('refuses a change of queue.type for the same queue at admission', async () => {
    dumpLogsOnFailure(s);
    const patch = s.k.kubectl('patch', '-n', s.ns, 'cpool/fresh', '--type=merge', '-p', '{"spec":{"queue":{"type":"quorum"}}}');
    await expect(patch).rejects.toThrow(/queue.type cannot change for the same queue: RabbitMQ cannot convert a queue/);
  });

  it('deleting a pool keeps its queue and messages, and the Event says so', async () => {
    dumpLogsOnFailure(s);
    const queue = (await getPool(s.k, s.ns, 'fresh')).spec.queue.name;
    await s.k.kubectl('delete', '-n', s.ns, 'cpool/fresh', '--wait=true');
    expect((await queueInfo(queue))?.messageCount).toBe(100);
    await waitFor('the QueuesKept Event', async () => (await events('fresh')).some((e) => e.startsWith(`Normal/QueuesKept: pool deleted; queue '${queue}'`)), 20_000);
  });
});
