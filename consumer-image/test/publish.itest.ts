// context.publish against the real broker: one failing publish fails only its own handler, `mandatory` is an
// option, and a failing publish that the handler does not await does not crash the process.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, uniqueName } from './testing/broker.ts';
import { deadMessages } from './testing/dead.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { sleep, waitFor } from './testing/wait.ts';

let broker: TestBroker;
const start = runtimesStoppedAfterEach();

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  await broker.close();
});

describe('context.publish', () => {
  it('a publish to a missing exchange fails only its own handler; the neighbours publishing beside it are acked once', async () => {
    const queue = uniqueName('isolated');
    const records = await broker.prepare(queue);
    const p = start(queue, { HARE_PREFETCH: '40' });
    await p.waitReady();
    const neighbours = Array.from({ length: 39 }, (_, i) => ({ id: `n-${i}` }));
    const bad = { id: 'bad', publishTo: { exchange: `${queue}.no-such-exchange`, routingKey: 'x' } };
    await broker.publishMany(queue, [neighbours[0]!, bad, ...neighbours.slice(1)]);
    const [dead] = await deadMessages(broker, queue, 1);
    expect(dead!.properties.messageId).toBe('bad');
    expect(String(dead!.properties.headers!['x-hare-dead-reason'])).toMatch(/NOT_FOUND|no-such-exchange/);
    await records.waitForCount(neighbours.length);
    await sleep(800);
    for (const n of neighbours) expect(records.of(n.id).map((r) => [r.retryCount, r.outcome]), n.id).toEqual([[0, 'ack']]);
    expect(await p.metric('hare_consumer_messages_retried_total')).toBe(3); // the bad one's retries, no one else's
  });

  it('mandatory: false lets an unroutable publish succeed; the default (true) fails it', async () => {
    const queue = uniqueName('mandatory');
    const records = await broker.prepare(queue);
    const p = start(queue, { HARE_RETRY_LIMIT: '0' });
    await p.waitReady();
    await broker.publish(queue, { id: 'optional', publishTo: { exchange: '', routingKey: `${queue}.nowhere`, mandatory: false } });
    await broker.publish(queue, { id: 'required', publishTo: { exchange: '', routingKey: `${queue}.nowhere` } });
    const [dead] = await deadMessages(broker, queue, 1);
    expect(dead!.properties.messageId).toBe('required');
    expect(String(dead!.properties.headers!['x-hare-dead-reason'])).toMatch(/unroutable/);
    await waitFor(() => records.of('optional').length === 1, 10_000, () => 'optional recorded');
    expect(records.of('optional')[0]!.outcome).toBe('ack');
  });

  it('a failing publish the handler does not await is logged and does not crash the process', async () => {
    const queue = uniqueName('unawaited');
    const records = await broker.prepare(queue);
    const p = start(queue);
    await p.waitReady();
    await broker.publish(queue, { id: 'careless', publishTo: { exchange: `${queue}.no-such-exchange`, routingKey: 'x', await: false } });
    await broker.publish(queue, { id: 'after' });
    await waitFor(() => records.of('after').length === 1 || p.child.exitCode !== null, 15_000, () => 'the second message');
    expect(p.child.exitCode).toBeNull();
    expect(records.of('careless').map((r) => r.outcome)).toEqual(['ack']);
    await p.waitForLog('context.publish failed');
    expect(await broker.ready(queue)).toBe(0);
  });
});
