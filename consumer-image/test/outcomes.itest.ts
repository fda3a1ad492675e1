// Handler outcomes against the real broker that used to loop: reject() with any reason, republishes that keep
// failing for a reason of their own, and the original exchange and routing key kept across retries.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, uniqueName } from './testing/broker.ts';
import { deadMessages } from './testing/dead.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { sleep } from './testing/wait.ts';

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
});
