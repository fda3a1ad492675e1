// The operator's topology declarations against the real RabbitMQ: the runtime's plan, conflicts named with both
// values and nothing changed, mode none, and delay queues removed only when empty.
import { connect, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredTopology } from '../../src/topology/desired.ts';
import { ensureTopology } from '../../src/topology/declare.ts';
import { makePool } from '../../src/testing/fixtures.ts';
import { AMQP_URI, management, uniqueName } from '../autoscaler/testing/broker.ts';

let conn: ChannelModel;
const made: string[] = [];

beforeAll(async () => {
  conn = await connect(AMQP_URI);
});
afterAll(async () => {
  const ch = await conn.createChannel();
  for (const q of made) await ch.deleteQueue(q);
  await conn.close();
});

function pool(queue: string, spec: { declare?: 'operator' | 'none'; type?: 'classic' | 'quorum'; delaysMs?: number[]; exchange?: string } = {}) {
  const p = makePool({ queue: { name: queue, type: spec.type ?? 'classic', declare: spec.declare ?? 'operator', ...(spec.exchange ? { exchange: spec.exchange } : {}) } });
  if (spec.delaysMs) p.spec.queue.retry.delaysMs = spec.delaysMs;
  const d = desiredTopology(p);
  made.push(...d.plan.queues.map((q) => q.name));
  return d;
}

const queueArgs = async (name: string): Promise<Record<string, unknown>> =>
  ((await management(`/api/queues/%2F/${encodeURIComponent(name)}`)) as { arguments: Record<string, unknown> }).arguments;

describe('ensureTopology on the real broker', () => {
  it('declares the queue, the delay cascade and the dead queue before any consumer exists, idempotently', async () => {
    const q = uniqueName('topo');
    const d = pool(q, { delaysMs: [1000, 5000] });
    const first = await ensureTopology(conn, d, []);
    expect(first).toMatchObject({ ok: true, delayQueues: [`${q}.delay.1000`, `${q}.delay.5000`] });
    expect(await ensureTopology(conn, d, first.ok ? first.delayQueues : [])).toMatchObject({ ok: true });
    const ch = await conn.createChannel();
    for (const name of [q, `${q}.delay.1000`, `${q}.delay.5000`, `${q}.dead`]) await ch.checkQueue(name);
    // a message published now is routed through the pool's exchange to the queue: nothing is unroutable
    ch.publish(q, q, Buffer.from('early'));
    await ch.close();
    expect(await queueArgs(`${q}.delay.1000`)).toMatchObject({ 'x-message-ttl': 1000, 'x-dead-letter-exchange': q, 'x-dead-letter-routing-key': q });
  });

  it('names the conflicting argument and both values, and changes nothing', async () => {
    const q = uniqueName('topo-conflict');
    const d = pool(q);
    const ch = await conn.createChannel();
    await ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.close();
    const result = await ensureTopology(conn, d, []);
    expect(result).toMatchObject({ ok: false, reason: 'Conflict' });
    expect(result.ok ? '' : result.message).toContain(`queue '${q}' already exists with 'x-queue-type' = 'quorum', but the pool declares 'x-queue-type' = 'classic'`);
    expect(await queueArgs(q)).toEqual({ 'x-queue-type': 'quorum' });
  });

  it('with declare none: reports what is missing, then accepts a queue with other arguments', async () => {
    const q = uniqueName('topo-none');
    const d = pool(q, { declare: 'none', delaysMs: [1000] });
    const missing = await ensureTopology(conn, d, []);
    expect(missing).toMatchObject({ ok: false, reason: 'QueueMissing' });
    expect(missing.ok ? '' : missing.message).toContain(`queue '${q}'`);
    const ch = await conn.createChannel();
    for (const name of [q, `${q}.delay.1000`, `${q}.dead`]) await ch.assertQueue(name, { durable: true, arguments: { 'x-max-length': 1000 } });
    await ch.close();
    expect(await ensureTopology(conn, d, [])).toMatchObject({ ok: true, delayQueues: [] });
    expect(await queueArgs(q)).toEqual({ 'x-max-length': 1000 });
  });

  it('adds a new delay queue, and deletes a removed one only once it is empty', async () => {
    const q = uniqueName('topo-delays');
    const before = pool(q, { delaysMs: [1000, 60_000] });
    const first = await ensureTopology(conn, before, []);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined); // the last check closes it with 404
    ch.sendToQueue(`${q}.delay.60000`, Buffer.from('waiting'));
    const after = pool(q, { delaysMs: [1000, 2000] });
    const second = await ensureTopology(conn, after, first.ok ? first.delayQueues : []);
    expect(second).toMatchObject({ ok: true, delayQueues: [`${q}.delay.1000`, `${q}.delay.2000`, `${q}.delay.60000`] });
    expect(second.ok ? second.message : '').toContain(`kept '${q}.delay.60000', no longer used but not empty`);
    await ch.purgeQueue(`${q}.delay.60000`);
    const third = await ensureTopology(conn, after, second.ok ? second.delayQueues : []);
    expect(third).toMatchObject({ ok: true, delayQueues: [`${q}.delay.1000`, `${q}.delay.2000`] });
    await expect(ch.checkQueue(`${q}.delay.60000`)).rejects.toThrow(/NOT_FOUND/);
  });
});
