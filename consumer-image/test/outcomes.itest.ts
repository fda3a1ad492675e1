// Handler outcomes against the real broker that used to loop: reject() with any reason, republishes that keep
// failing for a reason of their own, and the original exchange and routing key kept across retries.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, mgmt, uniqueName } from './testing/broker.ts';
import { deadMessages } from './testing/dead.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { sleep, waitFor } from './testing/wait.ts';

let broker: TestBroker;
const start = runtimesStoppedAfterEach();

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  await broker.close();
});

describe('handler outcomes', () => {
  it('reject() with no reason, an Error, an object, a number, null or a null-prototype object dead-letters once, with a readable reason', async () => {
    const queue = uniqueName('rejectany');
    const records = await broker.prepare(queue);
    const p = start(queue);
    await p.waitReady();
    const kinds = ['none', 'null', 'error', 'object', 'number', 'null-proto'] as const;
    await broker.publishMany(queue, kinds.map((k) => ({ id: k, reject: true, rejectWith: k })));

    const dead = await deadMessages(broker, queue, kinds.length, 15_000);
    const reasons = Object.fromEntries(dead.map((m) => [m.properties.messageId as string, String(m.properties.headers!['x-hare-dead-reason'])]));
    expect(reasons).toEqual({
      none: 'rejected by the handler (no reason given)',
      null: 'rejected by the handler (no reason given)',
      error: 'TypeError: an error object',
      object: '{"code":42,"detail":"an object"}',
      number: '7',
      'null-proto': '{}',
    });
    for (const m of dead) expect(m.properties.headers).toMatchObject({ 'x-hare-dead-cause': 'rejected', retry_count: 0 });
    await sleep(1500); // a redelivery loop would show up within a second
    for (const k of kinds) expect(records.of(k), k).toHaveLength(1);
    expect(await broker.ready(queue)).toBe(0);
  });

  it('a republish the broker keeps refusing (delay queue full, reject-publish) dead-letters after 3 tries, with the cause', async () => {
    const queue = uniqueName('refused');
    const records = await broker.prepare(queue);
    const policy = `${queue}.full`;
    await mgmt(`/policies/%2F/${encodeURIComponent(policy)}`, {
      method: 'PUT',
      body: JSON.stringify({ pattern: `^${queue.replaceAll('.', '\\.')}\\.delay\\.200$`, definition: { 'max-length': 0, overflow: 'reject-publish' }, 'apply-to': 'queues', priority: 10 }),
    });
    try {
      const p = start(queue);
      await p.waitReady();
      await broker.publish(queue, { id: 'refused', fail: 'always' });
      const [dead] = await deadMessages(broker, queue, 1, 20_000);
      expect(dead!.properties.headers).toMatchObject({ 'x-hare-dead-cause': 'republish-failed', retry_count: 0 });
      expect(String(dead!.properties.headers!['x-hare-dead-reason'])).toMatch(new RegExp(`^could not hand the message on to ${queue.replaceAll('.', '\\.')}\\.delay\\.200 3 times: `));
      expect(JSON.parse(dead!.content.toString())).toEqual({ id: 'refused', fail: 'always' });
      await sleep(1500);
      expect(records.of('refused')).toHaveLength(3); // the handler ran once per failed hand-on, no more
      expect(await broker.ready(queue)).toBe(0);
      expect(await p.metric('hare_consumer_messages_requeued_total')).toBe(2);
    } finally {
      await mgmt(`/policies/%2F/${encodeURIComponent(policy)}`, { method: 'DELETE' });
    }
  });

  it('headers too large to re-encode: dead-lettered after 3 tries with those headers trimmed and named, body kept', async () => {
    const queue = uniqueName('bighead');
    const records = await broker.prepare(queue);
    const p = start(queue);
    await p.waitReady();
    // another client (here the management API) may send headers up to the frame size; amqplib re-encodes at most 64 KiB
    const big = 'h'.repeat(80_000);
    const routed = await mgmt<{ routed: boolean }>('/exchanges/%2F/amq.default/publish', {
      method: 'POST',
      body: JSON.stringify({
        routing_key: queue,
        payload: JSON.stringify({ id: 'big', fail: 'always' }),
        payload_encoding: 'string',
        properties: { content_type: 'application/json', message_id: 'big', delivery_mode: 2, headers: { huge: big, small: 'kept' } },
      }),
    });
    expect(routed.routed).toBe(true);
    const [dead] = await deadMessages(broker, queue, 1, 20_000);
    expect(dead!.properties.headers).toMatchObject({ 'x-hare-dead-cause': 'republish-failed', 'x-hare-trimmed-headers': 'huge', small: 'kept' });
    expect(dead!.properties.headers!.huge).toBeUndefined();
    expect(JSON.parse(dead!.content.toString())).toEqual({ id: 'big', fail: 'always' });
    await sleep(1500);
    expect(records.of('big')).toHaveLength(3);
    expect(await broker.ready(queue)).toBe(0);
  });

  it('after a retry the handler still sees the exchange and routing key the message was published with', async () => {
    const queue = uniqueName('origin');
    const exchange = `${queue}.x`;
    const records = await broker.prepare(queue, exchange);
    const p = start(queue, { HARE_EXCHANGE: exchange, HARE_ROUTING_KEY: 'orders.*', HARE_RETRY_DELAYS_MS: '100' });
    await p.waitReady();
    await broker.publish('orders.created', { id: 'o', fail: 2 }, {}, exchange);
    await waitFor(() => records.of('o').length === 3, 15_000, () => 'three deliveries');
    expect(records.of('o').map((r) => [r.retryCount, r.exchange, r.routingKey])).toEqual([
      [0, exchange, 'orders.created'],
      [1, exchange, 'orders.created'],
      [2, exchange, 'orders.created'],
    ]);
  });
});
