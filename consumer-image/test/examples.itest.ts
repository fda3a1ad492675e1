// The example modules (examples/modules) run by the real entrypoint against the real broker.
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, uniqueName } from './testing/broker.ts';
import { startRuntime } from './testing/runtime.ts';
import type { RuntimeProcess } from './testing/runtime.ts';
import type { BulkRecord } from '../../examples/modules/bulk-recorder.ts';
import type { ProcessedRecord } from '../../examples/modules/recorder.ts';
import { waitFor } from './testing/wait.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/modules', import.meta.url));

let broker: TestBroker;
let runtime: RuntimeProcess | undefined;
const start = (queue: string, module: string, env: Record<string, string> = {}): RuntimeProcess =>
  (runtime = startRuntime(queue, { HARE_MODULE: module, HARE_MODULES_DIR: EXAMPLES, ...env }));

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  runtime?.stop();
  await broker.close();
});

const deadHeaders = async (queue: string): Promise<Map<string, Record<string, unknown>>> => {
  const out = new Map<string, Record<string, unknown>>();
  for (let m = await broker.channel.get(`${queue}.dead`, { noAck: true }); m !== false; m = await broker.channel.get(`${queue}.dead`, { noAck: true })) {
    out.set(String(m.properties.messageId), m.properties.headers ?? {});
  }
  return out;
};

describe('example modules', () => {
  it('hello acknowledges everything', async () => {
    const queue = uniqueName('hello');
    await broker.prepare(queue);
    const p = start(queue, 'hello');
    await p.waitReady();
    await broker.publishMany(queue, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    await p.waitForLog('hello: processed a message', 3);
    expect(await p.metric('hare_consumer_messages_acked_total')).toBe(3);
  });

  it('picky fails, retries and rejects by body fields', async () => {
    const queue = uniqueName('picky');
    await broker.prepare(queue);
    const p = start(queue, 'picky', { HARE_RETRY_LIMIT: '2', HARE_RETRY_DELAYS_MS: '100' });
    await p.waitReady();
    for (const [id, body] of [['ok', {}], ['once', { failTimes: 1 }], ['never', { fail: true }], ['bad', { reject: 'invalid order' }]] as const) {
      await broker.publish(queue, Buffer.from(JSON.stringify(body)), { contentType: 'application/json', messageId: id });
    }
    await waitFor(async () => (await broker.ready(`${queue}.dead`)) === 2, 30_000, () => '2 dead messages');
    await p.waitForLog('picky: accepted', 2);
    const dead = await deadHeaders(queue);
    expect(dead.get('never')).toMatchObject({ retry_count: 2, 'x-hare-dead-cause': 'retry-limit' });
    expect(dead.get('bad')).toMatchObject({ retry_count: 0, 'x-hare-dead-cause': 'rejected', 'x-hare-dead-reason': 'invalid order' });
    expect(p.logged('picky: accepted').map((l) => [l.messageId, l.retryCount])).toEqual(expect.arrayContaining([['ok', 0], ['once', 1]]));
  });

  it('recorder publishes one confirmed record per message to <queue>.processed', async () => {
    const queue = uniqueName('recorder');
    const collector = await broker.prepare(queue); // declares <queue>.processed and reads it
    const records = collector.records as unknown as ProcessedRecord[];
    const p = start(queue, 'recorder', { HARE_PREFETCH: '5' });
    await p.waitReady();
    const ids = Array.from({ length: 20 }, (_, i) => `rec-${i}`);
    await broker.publishMany(queue, ids.map((id) => ({ id, sleepMs: 20 })));
    await waitFor(() => records.length >= 20, 30_000, () => `20 records (have ${records.length})`);
    expect(records.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(records[0]).toMatchObject({ queue, pod: p.podName, retryCount: 0, redelivered: false });
    expect(records[0]!.at).toBeGreaterThan(Date.now() - 60_000);
  });

  it('bulk-recorder records a batch at a time and dead-letters the message its body rejects', async () => {
    const queue = uniqueName('bulk');
    const collector = await broker.prepare(queue);
    const records = collector.records as unknown as BulkRecord[];
    const p = start(queue, 'bulk-recorder', { HARE_PREFETCH: '10', HARE_BATCH_SIZE: '10', HARE_BATCH_MAX_WAIT_MS: '300' });
    await p.waitReady();
    const ids = Array.from({ length: 30 }, (_, i) => `bulk-${i}`);
    await broker.publishMany(queue, ids.map((id) => ({ id })));
    await broker.publish(queue, Buffer.from(JSON.stringify({ reject: 'not for us' })), { contentType: 'application/json', messageId: 'nope' });
    await waitFor(async () => records.length >= 30 && (await broker.ready(`${queue}.dead`)) === 1, 30_000, () => `30 records (have ${records.length}) and 1 dead`);
    expect(records.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(Math.max(...records.map((r) => r.batchSize))).toBe(10);
    expect((await deadHeaders(queue)).get('nope')).toMatchObject({ 'x-hare-dead-cause': 'rejected', 'x-hare-dead-reason': 'not for us' });
  });

  it('recorder without a <queue>.processed queue does not ack silently: the message is retried, then dead', async () => {
    const queue = uniqueName('norecord');
    const p = start(queue, 'recorder', { HARE_RETRY_LIMIT: '1', HARE_RETRY_DELAYS_MS: '100' });
    await p.waitReady();
    await broker.prepare(queue);
    await broker.channel.deleteQueue(`${queue}.processed`);
    await broker.publish(queue, { id: 'lost?' });
    await waitFor(async () => (await broker.ready(`${queue}.dead`)) === 1, 30_000, () => 'the dead message');
    const dead = await deadHeaders(queue);
    expect(String(dead.get('lost?')?.['x-hare-dead-reason'])).toContain('unroutable');
  });
});
