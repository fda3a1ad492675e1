// The retry cascade against the real broker: delays honoured, limit+1 deliveries, dead-lettering with the
// original properties, reject and undecodable bodies dead at once, a poison message never blocks the queue, and
// a message that kills the process ends in the dead queue instead of crash-looping the pod (quorum queues).
import type { GetMessage } from 'amqplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, uniqueName } from './testing/broker.ts';
import { startRuntime } from './testing/runtime.ts';
import type { RuntimeProcess } from './testing/runtime.ts';
import { sleep, waitFor } from './testing/wait.ts';

let broker: TestBroker;
let runtime: RuntimeProcess | undefined;

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  runtime?.stop();
  await broker.close();
});

async function deadMessages(queue: string, expected: number): Promise<GetMessage[]> {
  await waitFor(async () => (await broker.ready(`${queue}.dead`)) >= expected, 30_000, () => `${expected} dead messages`);
  const out: GetMessage[] = [];
  for (let m = await broker.channel.get(`${queue}.dead`, { noAck: true }); m !== false; m = await broker.channel.get(`${queue}.dead`, { noAck: true })) out.push(m);
  return out;
}

describe('retry cascade', () => {
  it('waits each configured delay and dead-letters after exactly limit+1 deliveries, keeping properties', async () => {
    const queue = uniqueName('cascade');
    const records = await broker.prepare(queue);
    runtime = startRuntime(queue, { HARE_RETRY_LIMIT: '3', HARE_RETRY_DELAYS_MS: '800,200,400' });
    await runtime.waitReady();
    await broker.publish(queue, { id: 'poison', fail: 'always' }, { correlationId: 'corr-1', headers: { tenant: 't-9' } });

    const dead = await deadMessages(queue, 1);
    expect(dead).toHaveLength(1);
    const deliveries = records.of('poison');
    expect(deliveries.map((r) => r.retryCount)).toEqual([0, 1, 2, 3]);
    const gaps = deliveries.slice(1).map((r, i) => r.at - deliveries[i]!.at);
    [200, 400, 800].forEach((delay, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(delay - 25); // clock granularity
      expect(gaps[i]).toBeLessThan(delay + 1500); // loaded machine
    });
    const [m] = dead;
    expect(m!.content.toString()).toBe(JSON.stringify({ id: 'poison', fail: 'always' }));
    expect(m!.properties).toMatchObject({ contentType: 'application/json', messageId: 'poison', correlationId: 'corr-1', deliveryMode: 2 });
    expect(m!.properties.headers).toMatchObject({ tenant: 't-9', retry_count: 3, 'x-hare-dead-cause': 'retry-limit' });
    expect(String(m!.properties.headers!['x-hare-dead-reason'])).toContain('probe failure poison');

    await sleep(1000); // nothing else arrives: the message is gone from the cascade
    expect(records.of('poison')).toHaveLength(4);
    for (const q of [queue, `${queue}.delay.200`, `${queue}.delay.400`, `${queue}.delay.800`]) expect(await broker.ready(q)).toBe(0);
    expect(await runtime.metric('hare_consumer_messages_in_flight')).toBe(0);
    expect(await runtime.metric('hare_consumer_messages_retried_total')).toBe(3);
    expect(await runtime.metric('hare_consumer_messages_dead_lettered_total')).toBe(1);
  });

  it('retry() result retries like a throw, then the message is acked once it succeeds', async () => {
    const queue = uniqueName('retryresult');
    const records = await broker.prepare(queue);
    runtime = startRuntime(queue, { HARE_RETRY_DELAYS_MS: '100' });
    await runtime.waitReady();
    await broker.publish(queue, { id: 'twice', fail: 1, retryResult: true });
    await records.waitForCount(2);
    await sleep(500);
    expect(records.of('twice').map((r) => [r.retryCount, r.outcome])).toEqual([[0, 'retry'], [1, 'ack']]);
    expect(await broker.ready(`${queue}.dead`)).toBe(0);
  });

  it('reject() and an undecodable JSON body go to the dead queue at once', async () => {
    const queue = uniqueName('reject');
    const records = await broker.prepare(queue);
    runtime = startRuntime(queue, { HARE_RETRY_LIMIT: '5' });
    await runtime.waitReady();
    await broker.publish(queue, { id: 'rejected', reject: true });
    await broker.publish(queue, Buffer.from('{not json'), { contentType: 'application/json', messageId: 'garbled' });
    const dead = await deadMessages(queue, 2);
    const byId = new Map(dead.map((m) => [m.properties.messageId as string, m.properties.headers!]));
    expect(byId.get('rejected')).toMatchObject({ retry_count: 0, 'x-hare-dead-cause': 'rejected', 'x-hare-dead-reason': 'probe rejected rejected' });
    expect(byId.get('garbled')).toMatchObject({ retry_count: 0, 'x-hare-dead-cause': 'undecodable' });
    expect(records.of('rejected')).toHaveLength(1);
    expect(records.of('garbled')).toHaveLength(0); // the handler never saw it
  });

  it('a poison message does not block the queue (prefetch 1)', async () => {
    const queue = uniqueName('poison');
    const records = await broker.prepare(queue);
    runtime = startRuntime(queue, { HARE_PREFETCH: '1', HARE_RETRY_LIMIT: '2', HARE_RETRY_DELAYS_MS: '1000' });
    await runtime.waitReady();
    await broker.publishMany(queue, [{ id: 'poison', fail: 'always' }, ...Array.from({ length: 20 }, (_, i) => ({ id: `ok-${i}`, sleepMs: 10 }))]);
    await deadMessages(queue, 1);
    await records.waitForCount(23);
    const good = records.records.filter((r) => r.id.startsWith('ok-'));
    expect(new Set(good.map((r) => r.id)).size).toBe(20);
    expect(records.of('poison').map((r) => r.retryCount)).toEqual([0, 1, 2]);
    // the good messages did not wait for the poison message's cascade
    expect(Math.max(...good.map((r) => r.at))).toBeLessThan(records.of('poison')[2]!.at);
  });

  it('a message that kills the process goes to the dead queue after the redelivery limit (quorum queue)', async () => {
    const queue = uniqueName('crash');
    const records = await broker.prepare(queue);
    const env = { HARE_QUEUE_TYPE: 'quorum', HARE_REDELIVERY_LIMIT: '2', HARE_PREFETCH: '1' };
    runtime = startRuntime(queue, env);
    await runtime.waitReady();
    await broker.publishMany(queue, [{ id: 'crasher', crash: true }, { id: 'after-1' }, { id: 'after-2' }]);
    // the test plays the kubelet: every time the process dies, a new one starts
    const exits: (number | null)[] = [];
    while ((await broker.ready(`${queue}.dead`)) === 0) {
      const exit = await Promise.race([runtime.exited, sleep(500).then(() => undefined)]);
      if (exit === undefined) continue;
      exits.push(exit.code);
      expect(exits.length, 'restarts before the message went dead').toBeLessThanOrEqual(3);
      runtime = startRuntime(queue, env);
    }
    await records.waitForCount(4);
    expect(exits).toEqual([70, 70]); // two unsettled deliveries, then dead-lettered without a third try
    expect(records.of('crasher').map((r) => r.outcome)).toEqual(['crash', 'crash']);
    expect(records.of('after-1')).toHaveLength(1);
    expect(records.of('after-2')).toHaveLength(1);
    const [dead] = await deadMessages(queue, 1);
    expect(dead!.properties.messageId).toBe('crasher');
    expect(dead!.properties.headers).toMatchObject({ 'x-hare-dead-cause': 'redelivery-limit' });
    expect(dead!.properties.headers!['x-delivery-count'] ?? 0).toBe(0); // the original's count (2) is not copied
    expect(String(dead!.properties.headers!['x-hare-dead-reason'])).toMatch(/^delivered 3 times; the 2 before ended unsettled/);
    await waitFor(async () => (await broker.ready(queue)) === 0, 10_000, () => `${queue} empty`);
  });
});
