// Dead-letter replay as a person asks for it (annotations), on a real API server and RabbitMQ with the operator
// process: counts in status and Events, each request carried out once, and an operator killed mid-replay.
import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMQP_URI } from './support/broker.ts';
import { createPool, getPool, waitFor } from './support/kube.ts';
import { startOperator } from './support/operator-process.ts';
import { poolManifest } from './support/pools.ts';
import { dumpLogsOnFailure, operatorSuite } from './support/suite.ts';

// 50 messages a second: a batch of 50 each second, slow enough to kill the operator between two of them
const s = operatorSuite('it-replay', ['--replay-rate', '50']);
const queue = `replayed-${randomBytes(3).toString('hex')}`;
let conn: ChannelModel;
let ch: ConfirmChannel;
let serial = 0;

async function deadLetters(n: number): Promise<void> {
  for (let i = 0; i < n; i++) ch.sendToQueue(`${queue}.dead`, Buffer.from('{}'), { persistent: true, messageId: `m-${serial++}`, headers: { retry_count: 15 } });
  await ch.waitForConfirms();
}
async function takeAll(): Promise<string[]> {
  const ids: string[] = [];
  for (let m = await ch.get(queue); m !== false; m = await ch.get(queue)) {
    ids.push(String(m.properties.messageId));
    ch.ack(m);
  }
  return ids;
}
const replay = async () => (await getPool(s.k, s.ns, 'replayer')).status?.replay;
const ask = (id: string, count?: number): Promise<string> =>
  s.k.kubectl('annotate', '-n', s.ns, 'cpool/replayer', '--overwrite', `hare.dev/replay-dead=${id}`, count === undefined ? 'hare.dev/replay-dead-count-' : `hare.dev/replay-dead-count=${count}`);
const events = async (): Promise<string[]> =>
  (await s.k.core.listNamespacedEvent({ namespace: s.ns, fieldSelector: 'involvedObject.name=replayer' })).items.map((e) => `${e.reason}: ${e.message}`);

beforeAll(async () => {
  conn = await amqp.connect(AMQP_URI);
  ch = await conn.createConfirmChannel();
  await s.k.core.createNamespacedSecret({ namespace: s.ns, body: { metadata: { name: 'rabbitmq' }, stringData: { uri: AMQP_URI } } });
  const m = poolManifest('replayer', { replicas: 0 });
  Object.assign(m.spec as object, { queue: { name: queue } });
  await createPool(s.k, s.ns, m);
  await waitFor('the topology', async () => (await getPool(s.k, s.ns, 'replayer')).status?.conditions?.some((c) => c.type === 'TopologyReady' && c.status === 'True'), 30_000);
});
afterAll(async () => {
  for (const q of [queue, `${queue}.dead`, `${queue}.replay`, `${queue}.delay.10000`]) await ch.deleteQueue(q);
  await conn.close();
});

describe('dead-letter replay', () => {
  it('replays 150 of 200 dead messages, then the rest: each once more, counts in status and Events', async () => {
    dumpLogsOnFailure(s);
    await deadLetters(200);
    await ask('first', 150);
    await waitFor('first succeeded', async () => (await replay())?.state === 'Succeeded', 60_000);
    expect(await replay()).toMatchObject({ requestId: 'first', requested: 150, moved: 150, left: 50 });
    await ask('rest');
    await waitFor('rest succeeded', async () => (await replay())?.requestId === 'rest' && (await replay())?.state === 'Succeeded', 60_000);
    expect(await replay()).toMatchObject({ requested: 50, moved: 50, left: 0 });
    const ids = await takeAll();
    expect(ids.sort()).toEqual(Array.from({ length: 200 }, (_, i) => `m-${i}`).sort());
    const said = await events();
    expect(said).toContainEqual(expect.stringMatching(/^Replayed: replay first: moved 150 of 150 dead messages .*; 50 left in/));
    expect(said).toContainEqual(expect.stringMatching(/^Replayed: replay rest: moved 50 of 50 dead messages .*; 0 left in/));
    // the same request id again (an unrelated edit of the pool) moves nothing
    await deadLetters(5);
    await s.k.kubectl('annotate', '-n', s.ns, 'cpool/replayer', 'unrelated=edit');
    await new Promise((r) => setTimeout(r, 3000));
    expect(await takeAll()).toEqual([]);
  });

  it('an operator killed mid-replay: the next one resumes, nothing lost, nothing twice', async () => {
    dumpLogsOnFailure(s);
    await takeAll();
    await ch.purgeQueue(`${queue}.dead`);
    const first = serial;
    await deadLetters(300);
    await ask('killed', 250);
    await waitFor('a batch or two moved', async () => { const r = await replay(); return r?.requestId === 'killed' && (r.moved ?? 0) >= 50; }, 30_000, 100);
    await s.op.stop('SIGKILL');
    const at = (await replay())?.moved;
    expect(at).toBeLessThan(250);
    s.op = await startOperator(s.k.kubeconfig, ['--namespace', s.ns, '--replay-rate', '50']);
    await waitFor('killed succeeded', async () => (await replay())?.state === 'Succeeded', 60_000);
    expect(await replay()).toMatchObject({ requestId: 'killed', requested: 250, moved: 250, left: 50 });
    const ids = await takeAll();
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect(ids.every((id) => Number(id.slice(2)) >= first)).toBe(true);
    console.log(`replay: operator killed at ${at} of 250 moved; the next operator finished with 250 moved, ${ids.length} copies, none twice`);
  });
});
