// Topology against the real broker: HareMq names and bindings, quorum, idempotence, and a refused
// declaration that keeps the process up (not ready) until the conflict is gone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, mgmt, uniqueName } from './testing/broker.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { waitFor } from './testing/wait.ts';

interface QueueInfo { name: string; durable: boolean; type: string; arguments: Record<string, unknown> }
interface Binding { source: string; destination: string; destination_type: string; routing_key: string }

let broker: TestBroker;
const start = runtimesStoppedAfterEach();
const queueInfo = (name: string): Promise<QueueInfo | undefined> => mgmt(`/queues/%2F/${encodeURIComponent(name)}`);

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  await broker.close();
});

describe('topology', () => {
  it('declares exchange, queue, delay and dead queues and HareMq bindings, idempotently', async () => {
    const queue = uniqueName('topo');
    const exchange = `${queue}.x`;
    const records = await broker.prepare(queue, exchange);
    const env = { HARE_EXCHANGE: exchange, HARE_ROUTING_KEY: 'orders.created', HARE_RETRY_DELAYS_MS: '300,100,300' };
    const first = start(queue, env);
    await first.waitReady();

    expect(await queueInfo(queue)).toMatchObject({ durable: true, type: 'classic', arguments: {} });
    for (const ms of [100, 300]) {
      expect(await queueInfo(`${queue}.delay.${ms}`)).toMatchObject({
        durable: true,
        arguments: { 'x-dead-letter-exchange': queue, 'x-dead-letter-routing-key': 'orders.created', 'x-message-ttl': ms },
      });
    }
    expect(await queueInfo(`${queue}.dead`)).toMatchObject({ durable: true, arguments: {} });
    for (const name of [exchange, queue]) {
      expect(await mgmt(`/exchanges/%2F/${encodeURIComponent(name)}`)).toMatchObject({ type: 'topic', durable: true });
    }
    const fromX = await mgmt<Binding[]>(`/exchanges/%2F/${encodeURIComponent(exchange)}/bindings/source`);
    expect(fromX.map((b) => [b.destination, b.destination_type, b.routing_key])).toEqual([[queue, 'exchange', 'orders.created']]);
    const fromQ = await mgmt<Binding[]>(`/exchanges/%2F/${encodeURIComponent(queue)}/bindings/source`);
    expect(fromQ.map((b) => [b.destination, b.destination_type, b.routing_key])).toEqual([[queue, 'queue', 'orders.created']]);

    // a message published to X with the routing key reaches the handler
    await broker.publish('orders.created', { id: 'via-exchange' }, {}, exchange);
    await records.waitForCount(1);
    expect(records.records[0]).toMatchObject({ id: 'via-exchange', bodyKind: 'json', retryCount: 0 });

    await first.get('/drain', 'POST');
    expect((await first.exited).code).toBe(0);
    const second = start(queue, env); // same declarations again: accepted
    await second.waitReady();
    expect(second.logged(/topology refused/)).toEqual([]);
  });

  it('declares classic queues with an explicit x-queue-type, and accepts an existing classic queue declared without it', async () => {
    const queue = uniqueName('classic');
    await broker.prepare(queue);
    await broker.channel.assertQueue(queue, { durable: true }); // as HareMq or an older runtime declared it
    const p = start(queue, { HARE_RETRY_DELAYS_MS: '500' });
    await p.waitReady();
    expect(p.logged(/topology refused/)).toEqual([]);
    for (const name of [`${queue}.delay.500`, `${queue}.dead`]) {
      expect(await queueInfo(name)).toMatchObject({ type: 'classic', arguments: { 'x-queue-type': 'classic' } });
    }
  });

  it('declares quorum queues, with at-least-once dead-lettering on the delay queues', async () => {
    const queue = uniqueName('quorum');
    await broker.prepare(queue);
    const p = start(queue, { HARE_QUEUE_TYPE: 'quorum', HARE_RETRY_DELAYS_MS: '500' });
    await p.waitReady();
    expect(await queueInfo(queue)).toMatchObject({ type: 'quorum' });
    expect(await queueInfo(`${queue}.dead`)).toMatchObject({ type: 'quorum' });
    expect(await queueInfo(`${queue}.delay.500`)).toMatchObject({
      type: 'quorum',
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish', 'x-message-ttl': 500 },
    });
  });

  it('an existing queue with other arguments: clear error naming the argument, stays up not ready, recovers', async () => {
    const queue = uniqueName('conflict');
    await broker.prepare(queue);
    // what HareMq leaves behind: a dead queue with a TTL
    await broker.channel.assertQueue(`${queue}.dead`, { durable: true, arguments: { 'x-message-ttl': 31_449_600 } });
    const p = start(queue);
    const refused = await p.waitForLog(/topology refused/);
    expect(refused.level).toBe('error');
    expect(refused.msg).toContain(`queue '${queue}.dead'`);
    expect(refused.msg).toContain("'x-message-ttl'");
    expect(refused.argument).toBe('x-message-ttl');
    expect(refused.msg).toContain("'x-message-ttl' = '31449600', but the pool declares 'x-message-ttl' = unset");
    expect((await p.get('/readyz')).status).toBe(503);
    expect((await p.get('/healthz')).status).toBe(200);
    await p.waitForLog(/topology refused/, 2); // retried with backoff, not exited
    expect(p.child.exitCode).toBeNull();
    expect(await p.metric('hare_consumer_topology_errors_total')).toBeGreaterThanOrEqual(2);

    await broker.channel.deleteQueue(`${queue}.dead`);
    await p.waitReady(60_000);
    await waitFor(async () => (await p.get('/readyz')).status === 200, 10_000, () => 'readyz 200');
    expect(await queueInfo(`${queue}.dead`)).toMatchObject({ arguments: {} });
  });
  it('with HARE_DECLARE=none declares nothing: not ready while the queues are missing, then consumes from queues declared elsewhere', async () => {
    const queue = uniqueName('none');
    const records = await broker.prepare(queue);
    const p = start(queue, { HARE_DECLARE: 'none', HARE_RETRY_DELAYS_MS: '500' });
    const refused = await p.waitForLog(/topology refused/);
    expect(refused.msg).toContain(`queue '${queue}', queue '${queue}.delay.500', queue '${queue}.dead' not found; with spec.queue.declare none`);
    expect((await p.get('/readyz')).status).toBe(503);
    // another tool's topology, with arguments the runtime would not choose
    for (const name of [queue, `${queue}.delay.500`, `${queue}.dead`]) await broker.channel.assertQueue(name, { durable: true, arguments: { 'x-max-length': 10_000 } });
    await p.waitReady(60_000);
    await broker.publish(queue, { id: 'elsewhere' });
    await records.waitForCount(1);
    expect(await queueInfo(queue)).toMatchObject({ arguments: { 'x-max-length': 10_000 } });
    expect(await mgmt(`/exchanges/%2F/${encodeURIComponent(queue)}`)).toBeUndefined();
  });
});
