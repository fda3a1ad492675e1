// Drain against the real broker: /drain (the preStop hook) and SIGTERM finish in-flight work exactly once,
// readiness drops at once, the process exits 0 after answering; at the timeout the rest is left to redelivery.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, uniqueName } from './testing/broker.ts';
import type { RecordCollector } from './testing/broker.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import type { RuntimeProcess } from './testing/runtime.ts';
import { sleep, waitFor } from './testing/wait.ts';

let broker: TestBroker;
const start = runtimesStoppedAfterEach();

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  await broker.close();
});

const ids = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Every id recorded exactly once, acked, and never redelivered by the broker. */
function expectExactlyOnce(records: RecordCollector, expected: string[]): void {
  const counts = new Map<string, number>();
  for (const r of records.records) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect([...counts.keys()].sort()).toEqual([...expected].sort());
  expect(records.records.filter((r) => r.redelivered)).toEqual([]);
  expect(records.records.every((r) => r.outcome === 'ack')).toBe(true);
}

/** A second pod finishes what the first left in the queue, then drains too. */
async function finishWithSecondPod(queue: string, records: RecordCollector, total: number, env: Record<string, string> = {}): Promise<RuntimeProcess> {
  const b = start(queue, { ...env, HARE_PREFETCH: '20' });
  await records.waitForCount(total, 90_000);
  await sleep(300); // would-be duplicates get a chance to show up
  await b.get('/drain');
  expect((await b.exited).code).toBe(0);
  return b;
}

describe('drain', () => {
  it('GET /drain under load: readiness drops, every in-flight message finishes once, 200 before exit 0', async () => {
    const queue = uniqueName('drain');
    const records = await broker.prepare(queue);
    const expected = ids(150, 'm');
    const a = start(queue, { HARE_PREFETCH: '20' });
    await a.waitReady();
    await broker.publishMany(queue, expected.map((id) => ({ id, sleepMs: 100 })));
    await records.waitForCount(30);

    const drain = a.get('/drain'); // what the kubelet's preStop httpGet does
    await a.waitForLog('drain started');
    const ready = await a.get('/readyz');
    expect(ready.status).toBe(503);
    const started = a.logged('drain started')[0]!;
    expect(started.inFlight).toBeGreaterThan(0); // there was work to finish
    const res = await drain;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ drained: true, abandoned: 0 });
    expect((await a.exited).code).toBe(0);
    expect(a.logged('drained')).toHaveLength(1);
    expect(records.records.length).toBeLessThan(expected.length); // some were left in the queue, unclaimed

    await finishWithSecondPod(queue, records, expected.length);
    expectExactlyOnce(records, expected);
  });

  it('SIGTERM drains the same way', async () => {
    const queue = uniqueName('sigterm');
    const records = await broker.prepare(queue);
    const expected = ids(80, 's');
    const a = start(queue, { HARE_PREFETCH: '10' });
    await a.waitReady();
    await broker.publishMany(queue, expected.map((id) => ({ id, sleepMs: 80 })));
    await records.waitForCount(10);
    // between two batches of 10 nothing is in flight for a moment: signal while some are
    await waitFor(async () => (await a.metric('hare_consumer_messages_in_flight')) > 0, 5_000, () => 'messages in flight');
    a.child.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect(a.logged('drain started')[0]!.inFlight).toBeGreaterThan(0);
    expect(a.logged('drained')).toHaveLength(1);

    await finishWithSecondPod(queue, records, expected.length);
    expectExactlyOnce(records, expected);
  });

  it('on a quorum queue, drains while acks flow return nothing to the queue (12 pods in turn, each SIGTERMed under load)', async () => {
    // A quorum queue returns what is on its way to a consumer it is cancelling: each ack sent just before the
    // basic.cancel starts one such delivery, and so does a consumer left running (the widening's prefetch-1 one).
    const queue = uniqueName('qq-drain');
    const records = await broker.prepare(queue);
    const expected = ids(2000, 'q');
    const env = { HARE_QUEUE_TYPE: 'quorum', HARE_PREFETCH: '10' };
    for (let round = 0; round < 12; round++) {
      const pod = start(queue, env);
      await pod.waitReady();
      if (round === 0) await broker.publishMany(queue, expected.map((id) => ({ id, sleepMs: 4 })));
      const seen = records.records.length;
      await records.waitForCount(seen + 15 + round * 3);
      pod.child.kill('SIGTERM');
      expect((await pod.exited).code).toBe(0);
    }
    expect(records.records.length).toBeLessThan(expected.length);
    await finishWithSecondPod(queue, records, expected.length, env);
    expectExactlyOnce(records, expected);
  });

  it('at the drain timeout: answers, counts and logs abandoned messages, exits 0; the broker redelivers them', async () => {
    const queue = uniqueName('timeout');
    const records = await broker.prepare(queue);
    const expected = ids(3, 't');
    const a = start(queue, { HARE_PREFETCH: '3', HARE_DRAIN_TIMEOUT_SECONDS: '1' });
    await a.waitReady();
    await broker.publishMany(queue, expected.map((id) => ({ id, sleepFirstMs: 20_000 })));
    await sleep(500); // all three are being handled

    const t0 = Date.now();
    const res = await a.get('/drain', 'POST');
    const took = Date.now() - t0;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ drained: false, abandoned: 3 });
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(8_000);
    expect((await a.exited).code).toBe(0);
    const warning = a.logged(/drain timed out/)[0]!;
    expect(warning).toMatchObject({ level: 'warn', abandoned: 3 });
    expect(records.records).toEqual([]); // nothing finished, nothing acked

    await finishWithSecondPod(queue, records, expected.length);
    expect(records.records.map((r) => r.id).sort()).toEqual(expected);
    expect(records.records.every((r) => r.redelivered)).toBe(true);
  });

  it('a drain before the broker is reachable exits 0 promptly', async () => {
    const a = start(uniqueName('nobroker'), { HARE_BROKER_URI: 'amqp://guest:guest@127.0.0.1:1/' });
    await a.waitForLog('cannot connect to the broker');
    const res = await a.get('/drain');
    expect(JSON.parse(res.body)).toMatchObject({ drained: true, abandoned: 0 });
    expect((await a.exited).code).toBe(0);
  });
});
