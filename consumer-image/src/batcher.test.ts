import type { ConsumeMessage } from 'amqplib';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { reject, retry } from './api.ts';
import type { ConsumeContext } from './api.ts';
import { runBatch } from './batch-run.ts';
import { Batcher } from './batcher.ts';
import type { Timers } from './batcher.ts';
import { createMetrics } from './metrics.ts';

const msg = (id: string): ConsumeMessage =>
  ({ content: Buffer.from(JSON.stringify({ id })), fields: { redelivered: false, exchange: '', routingKey: 'q' }, properties: { contentType: 'application/json', messageId: id, headers: {} } }) as unknown as ConsumeMessage;

/** Timers fired by hand. */
function manualTimers(): Timers & { fire(): void; pending: number } {
  const due = new Map<number, () => void>();
  let next = 0;
  return {
    set: (fn) => (due.set(++next, fn), next),
    clear: (h) => void due.delete(h as number),
    fire: () => [...due.values()].forEach((fn) => fn()),
    get pending() { return due.size; },
  };
}

function recorder(): { batches: string[][]; run: (d: readonly ConsumeMessage[]) => Promise<void> } {
  const batches: string[][] = [];
  return { batches, run: (d) => (batches.push(d.map((m) => m.properties.messageId as string)), Promise.resolve()) };
}

describe('Batcher', () => {
  it('flushes at the size, and a partial batch at the max wait', async () => {
    const timers = manualTimers();
    const r = recorder();
    const b = new Batcher({ size: 2, maxWaitMs: 100 }, r.run, timers);
    const done = [b.add(msg('a'), false), b.add(msg('b'), false), b.add(msg('c'), false)];
    await Promise.all(done.slice(0, 2));
    expect(r.batches).toEqual([['a', 'b']]);
    expect(timers.pending).toBe(1);
    timers.fire();
    await done[2];
    expect(r.batches).toEqual([['a', 'b'], ['c']]);
  });

  it('runs a delivery handled alone as a batch of one, after what it holds', async () => {
    const r = recorder();
    const b = new Batcher({ size: 5, maxWaitMs: 100 }, r.run, manualTimers());
    void b.add(msg('a'), false);
    await b.add(msg('redelivered'), true);
    expect(r.batches).toEqual([['a'], ['redelivered']]);
  });

  it('flushAll runs the held batch and every later delivery at once; discard drops what is held', async () => {
    const r = recorder();
    const b = new Batcher({ size: 5, maxWaitMs: 100 }, r.run, manualTimers());
    void b.add(msg('a'), false);
    b.flushAll();
    await b.add(msg('late'), false);
    expect(r.batches).toEqual([['a'], ['late']]);
    const lost = new Batcher({ size: 5, maxWaitMs: 100 }, r.run, manualTimers());
    const held = lost.add(msg('x'), false);
    lost.discard();
    await held;
    expect(r.batches).toHaveLength(2);
  });
});

describe('runBatch', () => {
  const deps = { metrics: createMetrics({}), logger: pino({ level: 'silent' }), redact: (s: string) => s, handlerTimeoutMs: undefined };
  const context = { signal: new AbortController().signal } as ConsumeContext;
  const three = [msg('a'), msg('b'), msg('c')];

  it('maps one result to all, an array per message, a throw or a wrong length to retry for all', async () => {
    expect((await runBatch({ ...deps, consumeBatch: () => undefined }, three, context)).map((o) => o.kind)).toEqual(['ack', 'ack', 'ack']);
    expect((await runBatch({ ...deps, consumeBatch: () => reject('no') }, three, context)).map((o) => o.kind)).toEqual(['reject', 'reject', 'reject']);
    expect((await runBatch({ ...deps, consumeBatch: () => [undefined, retry(), reject()] }, three, context)).map((o) => o.kind)).toEqual(['ack', 'retry', 'reject']);
    expect((await runBatch({ ...deps, consumeBatch: () => { throw new Error('boom'); } }, three, context)).map((o) => o.kind)).toEqual(['retry', 'retry', 'retry']);
    const short = await runBatch({ ...deps, consumeBatch: () => [undefined] }, three, context);
    expect(short).toEqual(three.map(() => ({ kind: 'retry', reason: 'consumeBatch returned 1 outcomes for 3 messages' })));
  });

  it('keeps an undecodable message out of the batch (dead) and in its place among the outcomes', async () => {
    const bad = { ...msg('bad'), content: Buffer.from('{not json') } as ConsumeMessage;
    let seen = 0;
    const out = await runBatch({ ...deps, consumeBatch: (ms) => ((seen = ms.length), [retry(), undefined]) }, [msg('a'), bad, msg('c')], context);
    expect(seen).toBe(2);
    expect(out.map((o) => o.kind)).toEqual(['retry', 'reject', 'ack']);
  });

  it('bounds the whole batch by the handler timeout: all retried, aborted, counted once', async () => {
    const metrics = createMetrics({});
    let aborted = false;
    const hang = (_: unknown, c: ConsumeContext): Promise<void> => new Promise((resolve) => c.signal.addEventListener('abort', () => ((aborted = true), resolve())));
    const out = await runBatch({ ...deps, metrics, handlerTimeoutMs: 20, consumeBatch: hang }, three, context);
    expect(out.map((o) => o.kind)).toEqual(['retry', 'retry', 'retry']);
    expect(aborted).toBe(true);
    expect((await metrics.handlerTimeouts.get()).values[0]?.value).toBe(1);
  });
});
