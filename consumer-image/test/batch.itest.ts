// Batch handlers against the real broker: flushing at the size and at the max wait, a per-message outcome per
// message of one batch, and a SIGTERM in the middle of batches under load: every message exactly once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, uniqueName } from './testing/broker.ts';
import { deadMessages } from './testing/dead.ts';
import type { BatchRecord } from './testing/modules/batch-probe.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { sleep, waitFor } from './testing/wait.ts';

let broker: TestBroker;
const start = runtimesStoppedAfterEach();
const batchEnv = (size: number, maxWaitMs: number, prefetch: number): Record<string, string> => ({
  HARE_MODULE: 'batch-probe',
  HARE_BATCH_SIZE: String(size),
  HARE_BATCH_MAX_WAIT_MS: String(maxWaitMs),
  HARE_PREFETCH: String(prefetch),
});

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  await broker.close();
});

const ids = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('batch handlers', () => {
  it('flush at the size long before the max wait', async () => {
    const queue = uniqueName('bsize');
    const records = await broker.prepare(queue);
    const a = start(queue, batchEnv(5, 60_000, 5));
    await a.waitReady();
    await broker.publishMany(queue, ids(10, 'z').map((id) => ({ id })));
    const t0 = Date.now();
    await records.waitForCount(10, 20_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const sizes = (records.records as BatchRecord[]).map((r) => r.batchSize);
    expect(sizes.every((n) => n <= 5)).toBe(true);
    expect(sizes.filter((n) => n === 5).length).toBeGreaterThanOrEqual(5); // at least one full batch (the first may be 1: prefetch 1 at start)
  });

  it('flush a partial batch at the max wait after its first message', async () => {
    const queue = uniqueName('bwait');
    const records = await broker.prepare(queue);
    const a = start(queue, batchEnv(10, 1_500, 10));
    await a.waitReady();
    await broker.publishMany(queue, [{ id: 'w-0' }]); // the session starts with prefetch 1: this one widens it
    await records.waitForCount(1, 10_000);
    const t0 = Date.now();
    await broker.publishMany(queue, ids(3, 'w').slice(1).map((id) => ({ id })));
    await records.waitForCount(3, 10_000);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1_300);
    expect(took).toBeLessThan(5_000);
    expect((records.records as BatchRecord[]).slice(1).map((r) => r.batchSize)).toEqual([2, 2]);
  });

  it('end each message of one batch where its own outcome says: ack, retry, dead', async () => {
    const queue = uniqueName('bmixed');
    const records = await broker.prepare(queue);
    const a = start(queue, batchEnv(3, 500, 3));
    await a.waitReady();
    await broker.publishMany(queue, [{ id: 'warm' }]);
    await records.waitForCount(1, 10_000);
    await broker.publishMany(queue, [{ id: 'ok' }, { id: 'again', fail: 1 }, { id: 'bad', reject: true }]);
    const dead = await deadMessages(broker, queue, 1);
    await records.waitForCount(5, 20_000); // warm, ok, again, bad, and the retried 'again'
    await sleep(500);
    const byId = (id: string): BatchRecord[] => records.of(id) as BatchRecord[];
    expect(byId('ok').map((r) => r.outcome)).toEqual(['ack']);
    expect(byId('again').map((r) => [r.retryCount, r.outcome])).toEqual([[0, 'retry'], [1, 'ack']]);
    expect(byId('bad').map((r) => r.outcome)).toEqual(['reject']);
    expect(new Set([...byId('ok'), byId('again')[0]!, ...byId('bad')].map((r) => r.batch)).size).toBe(1); // one call
    expect(dead.map((m) => [m.properties.messageId as unknown, m.properties.headers?.['x-hare-dead-cause'] as unknown])).toEqual([['bad', 'rejected']]);
    expect(await a.metric('hare_consumer_messages_retried_total')).toBe(1);
    expect(await a.metric('hare_consumer_messages_acked_total')).toBe(5);
    expect(await broker.ready(queue)).toBe(0);
  });

  it('SIGTERM in the middle of batches under load: the held batch finishes, every message exactly once, none redelivered', async () => {
    const queue = uniqueName('bdrain');
    const records = await broker.prepare(queue);
    const expected = ids(200, 'd');
    const a = start(queue, batchEnv(10, 60_000, 25));
    await a.waitReady();
    await broker.publishMany(queue, expected.map((id) => ({ id, sleepMs: 150 })));
    await records.waitForCount(20, 30_000);
    await waitFor(async () => (await a.metric('hare_consumer_messages_in_flight')) > 10, 5_000, () => 'a batch running and one held');
    a.child.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect(a.logged('drain started')[0]!.inFlight).toBeGreaterThan(10);
    expect(a.logged('drained')).toHaveLength(1);
    const firstPod = records.records.length;
    expect(firstPod).toBeLessThan(expected.length);
    // the max wait is 60 s: only the drain can have flushed a partial batch
    expect((records.records as BatchRecord[]).some((r) => r.batchSize < 10 && r.batchSize > 1)).toBe(true);

    const b = start(queue, batchEnv(10, 200, 25));
    await records.waitForCount(expected.length, 90_000);
    await sleep(500);
    await b.get('/drain');
    const counts = new Map<string, number>();
    for (const r of records.records) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...counts.keys()].sort()).toEqual([...expected].sort());
    expect(records.records.filter((r) => r.redelivered)).toEqual([]);
  });

  it('poison isolation: after a crash each redelivered message is a batch of one, at once (not at the max wait)', async () => {
    const queue = uniqueName('bpoison');
    const records = await broker.prepare(queue);
    const expected = ids(4, 'p');
    const a = start(queue, batchEnv(4, 60_000, 4));
    await a.waitReady();
    await broker.publishMany(queue, expected.map((id) => ({ id, sleepMs: 1_000 })));
    await waitFor(async () => (await a.metric('hare_consumer_messages_in_flight')) >= 4, 10_000, () => 'a full batch running');
    a.stop(); // SIGKILL: the batch dies unsettled, the broker redelivers it
    await a.exited;
    expect(records.records).toEqual([]);
    const b = start(queue, batchEnv(4, 60_000, 4));
    const t0 = Date.now();
    await records.waitForCount(4, 30_000); // well within the 60 s max wait
    expect(Date.now() - t0).toBeLessThan(20_000);
    const got = records.records as BatchRecord[];
    expect(got.map((r) => r.id).sort()).toEqual([...expected].sort());
    expect(got.map((r) => [r.redelivered, r.batchSize])).toEqual(expected.map(() => [true, 1]));
    await b.get('/drain');
  });

  it('refuses a consumeBatch module without HARE_BATCH_SIZE (exit 2, says why)', async () => {
    const a = start(uniqueName('bnosize'), { HARE_MODULE: 'batch-probe' });
    expect((await a.exited).code).toBe(2);
    expect(a.output).toContain('exports consumeBatch but HARE_BATCH_SIZE is not set');
  });
});
