import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEAD_HEADERS, delayFor, delayQueueDelays, republishOptions, routeFor } from './routing.ts';
import type { Outcome, RetryPolicy } from './routing.ts';

const policy: RetryPolicy = { queue: 'orders', retryLimit: 3, retryDelaysMs: [1000, 5000, 30000], redeliveryLimit: 10 };
const fail: Outcome = { kind: 'retry', reason: 'boom' };

describe('delayFor', () => {
  it('walks the cascade and repeats the last step (HareMq)', () => {
    expect([0, 1, 2, 3, 10].map((n) => delayFor(n, [1000, 5000, 30000]))).toEqual([1000, 5000, 30000, 30000, 30000]);
  });

  it('refuses an empty cascade', () => {
    expect(() => delayFor(0, [])).toThrow(RangeError);
  });
});

describe('delayQueueDelays', () => {
  it('is the distinct sorted delays', () => {
    expect(delayQueueDelays([5000, 1000, 5000])).toEqual([1000, 5000]);
  });
});

describe('routeFor', () => {
  it('acks a success', () => {
    expect(routeFor({ kind: 'ack' }, 0, policy)).toEqual({ action: 'ack' });
  });

  it('sends failures through the delay queues, then to the dead queue', () => {
    expect(routeFor(fail, 0, policy)).toEqual({ action: 'delay', queue: 'orders.delay.1000', delayMs: 1000, retryCount: 1 });
    expect(routeFor(fail, 1, policy)).toMatchObject({ queue: 'orders.delay.5000', retryCount: 2 });
    expect(routeFor(fail, 2, policy)).toMatchObject({ queue: 'orders.delay.30000', retryCount: 3 });
    expect(routeFor(fail, 3, policy)).toMatchObject({ action: 'dead', queue: 'orders.dead', retryCount: 3, cause: 'retry-limit' });
  });

  it('dead-letters a reject at once, whatever the count', () => {
    expect(routeFor({ kind: 'reject', reason: 'bad order', cause: 'rejected' }, 0, policy)).toEqual({
      action: 'dead', queue: 'orders.dead', retryCount: 0, cause: 'rejected', reason: 'bad order',
    });
  });

  it('a limit of 0 dead-letters the first failure', () => {
    expect(routeFor(fail, 0, { ...policy, retryLimit: 0 })).toMatchObject({ action: 'dead' });
  });

  it('a message that always fails is delivered exactly limit+1 times', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 1, max: 1e6 }), { minLength: 1, maxLength: 5 }), (limit, delays) => {
        const p = { queue: 'q', retryLimit: limit, retryDelaysMs: [...delays].sort((a, b) => a - b), redeliveryLimit: 10 };
        let count = 0;
        let deliveries = 1;
        for (let route = routeFor(fail, count, p); route.action === 'delay'; route = routeFor(fail, count, p)) {
          expect(route.retryCount).toBe(count + 1);
          count = route.retryCount;
          deliveries += 1;
        }
        expect(deliveries).toBe(limit + 1);
      }),
    );
  });
});

describe('republishOptions', () => {
  const origin = { exchange: 'shop', routingKey: 'orders.created' };
  const props = { contentType: 'application/json', messageId: 'm-1', correlationId: 'c-1', expiration: '60000', userId: 'alice', deliveryMode: 1, type: 'order' };

  it('keeps properties and headers, sets the new retry count, persists', () => {
    const o = republishOptions(props, { tenant: 't1', retry_count: 1 }, { action: 'delay', queue: 'q.delay.1', delayMs: 1, retryCount: 2 }, origin);
    expect(o).toEqual({
      contentType: 'application/json', messageId: 'm-1', correlationId: 'c-1', type: 'order',
      headers: { tenant: 't1', retry_count: 2, 'x-hare-original-exchange': 'shop', 'x-hare-original-routing-key': 'orders.created' }, persistent: true,
    });
  });

  it('keeps the origin of the first copy on later copies', () => {
    const first = { 'x-hare-original-exchange': 'first', 'x-hare-original-routing-key': 'rk.first' };
    const o = republishOptions(props, first, { action: 'delay', queue: 'q.delay.1', delayMs: 1, retryCount: 2 }, { exchange: 'q', routingKey: 'rk' });
    expect(o.headers).toMatchObject(first);
  });

  it("drops the quorum queue's delivery count: it belongs to the original, not the copy", () => {
    const o = republishOptions(props, { tenant: 't1', 'x-delivery-count': 4, 'x-acquired-count': 5 }, { action: 'delay', queue: 'q.delay.1', delayMs: 1, retryCount: 1 }, origin);
    expect(o.headers).toMatchObject({ tenant: 't1', retry_count: 1 });
    expect(o.headers).not.toHaveProperty('x-delivery-count');
    expect(o.headers).not.toHaveProperty('x-acquired-count');
  });

  it('marks dead-lettered copies with cause and reason', () => {
    const o = republishOptions(props, {}, { action: 'dead', queue: 'q.dead', retryCount: 3, cause: 'retry-limit', reason: 'x'.repeat(5000) }, origin);
    expect(o.headers).toMatchObject({ retry_count: 3, [DEAD_HEADERS.cause]: 'retry-limit' });
    expect((o.headers as Record<string, string>)[DEAD_HEADERS.reason]).toHaveLength(1000);
    expect(o).not.toHaveProperty('expiration');
    expect(o).not.toHaveProperty('userId');
  });

  it('trimmed copies drop headers too large to re-encode and name them', () => {
    const o = republishOptions(props, { huge: 'h'.repeat(5000), blob: Buffer.alloc(5000), small: 's', nested: { a: 1 } }, { action: 'dead', queue: 'q.dead', retryCount: 0, cause: 'republish-failed', reason: 'r' }, origin, true);
    expect(o.headers).toMatchObject({ small: 's', nested: { a: 1 }, [DEAD_HEADERS.trimmed]: 'huge,blob' });
    expect(o.headers).not.toHaveProperty('huge');
  });
});
