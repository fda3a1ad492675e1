// Unit tests: applyPlan's expectations when a write fails, above all when its answer was lost.
import { describe, expect, it } from 'vitest';
import { desiredPod } from '../resources/pod.ts';
import { FakeEvents, FakeWriter } from '../testing/fakes.ts';
import { makePod, makePool } from '../testing/fixtures.ts';
import { applyPlan } from './apply.ts';
import { EXPECTATIONS_TIMEOUT_MS, Expectations } from './expectations.ts';
import { Reconciler } from './reconciler.ts';

const KEY = 'shop/orders';
/** A fetch whose connection broke after the request went out, as undici reports it. */
const lostAnswer = (): Error => new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
const refusedConnection = (): Error => new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });

function setup(now: () => number = Date.now) {
  const pool = makePool({ replicas: 3 });
  const writer = new FakeWriter();
  const events = new FakeEvents();
  const expectations = new Expectations(now);
  return { pool, template: desiredPod(pool).pod, writer, events, expectations, deps: { writer, events, expectations } };
}

describe('applyPlan: failed creates', () => {
  it('keeps a create whose answer was lost expected until the watch shows the pod', async () => {
    const { pool, template, writer, events, expectations, deps } = setup();
    writer.createError = lostAnswer();
    await expect(applyPlan(pool, template, { create: 3, delete: [] }, deps)).rejects.toThrow(/create pod: fetch failed/);
    expect(expectations.satisfied(KEY)).toBe(false); // the first batch (1 pod) may exist; the 2 skipped do not
    expect(events.events.map((e) => e.message)).toEqual([expect.stringMatching(/answer was lost .* waiting for the watch to show it/)]);
    expectations.creationObserved(KEY);
    expect(expectations.satisfied(KEY)).toBe(true);
  });

  it('gives up on a lost answer when the expectation times out (the server never made the pod)', async () => {
    let now = 0;
    const { pool, template, writer, expectations, deps } = setup(() => now);
    writer.createError = lostAnswer();
    await applyPlan(pool, template, { create: 1, delete: [] }, deps).catch(() => undefined);
    now = EXPECTATIONS_TIMEOUT_MS;
    expect(expectations.satisfied(KEY)).toBe(false);
    now = EXPECTATIONS_TIMEOUT_MS + 1;
    expect(expectations.satisfied(KEY)).toBe(true);
  });

  it.each([
    ['a refusal', Object.assign(new Error('HTTP 422'), { code: 422 })],
    ['a refused connection', refusedConnection()],
  ])('counts a create that certainly failed (%s) as observed at once', async (_what, err) => {
    const { pool, template, writer, events, expectations, deps } = setup();
    writer.createError = err;
    await expect(applyPlan(pool, template, { create: 3, delete: [] }, deps)).rejects.toThrow();
    expect(expectations.satisfied(KEY)).toBe(true);
    expect(events.events.every((e) => !e.message.includes('answer was lost'))).toBe(true);
  });
});

describe('applyPlan: failed deletes', () => {
  it('keeps a delete whose answer was lost expected, and counts a refused one at once', async () => {
    const { pool, template, writer, expectations, deps } = setup();
    const victims = [{ pod: makePod({ name: 'orders-a' }), reason: 'ScaleDown' as const }];
    writer.deleteError = lostAnswer();
    await expect(applyPlan(pool, template, { create: 0, delete: victims }, deps)).rejects.toThrow(/delete pod orders-a/);
    expect(expectations.satisfied(KEY)).toBe(false);
    expectations.deletionObserved(KEY, 'orders-a');
    expect(expectations.satisfied(KEY)).toBe(true);
    writer.deleteError = Object.assign(new Error('HTTP 403'), { code: 403 });
    await applyPlan(pool, template, { create: 0, delete: victims }, deps).catch(() => undefined);
    expect(expectations.satisfied(KEY)).toBe(true);
  });
});

describe('Reconciler after a lost create answer', () => {
  it('creates no pod twice while the cache does not show the pod yet', async () => {
    const pool = makePool({ replicas: 3 });
    const { writer, events, expectations } = setup();
    const pods = [] as ReturnType<typeof makePod>[];
    const reconciler = new Reconciler({ pools: { get: () => pool }, podsOf: () => pods, writer, events, expectations, now: () => new Date(0) });
    let attempts = 0;
    writer.createPod = () => { attempts++; return Promise.reject(lostAnswer()); }; // the server made it; the answer was lost
    await expect(reconciler.reconcile(KEY)).rejects.toThrow(/create pod/);
    await reconciler.reconcile(KEY); // the retry, with the cache still empty
    await reconciler.reconcile(KEY);
    expect(attempts).toBe(1);
    pods.push(makePod({ name: 'orders-0', hash: desiredPod(pool).templateHash })); // the watch shows it
    expectations.creationObserved(KEY);
    const created: string[] = [];
    writer.createPod = (p) => { created.push(p.metadata?.generateName ?? ''); return Promise.resolve(p); };
    await reconciler.reconcile(KEY);
    expect(created).toHaveLength(2);
  });
});

describe('Reconciler after a refusal that passes by itself', () => {
  it('says in Progressing why pods are missing while it retries', async () => {
    const pool = makePool({ replicas: 2 });
    const { writer, events, expectations } = setup();
    writer.createError = Object.assign(new Error('HTTP 403'), {
      code: 403, body: JSON.stringify({ message: 'pods "orders-" is forbidden: error looking up service account shop/consumers: serviceaccount "consumers" not found' }),
    });
    const reconciler = new Reconciler({ pools: { get: () => pool }, podsOf: () => [], writer, events, expectations, now: () => new Date(0) });
    await expect(reconciler.reconcile(KEY)).rejects.toThrow(/service account/);
    const progressing = writer.statuses[0]?.conditions.find((c) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(progressing?.message).toMatch(/^0 of 2 pods exist; retrying create pod: .*serviceaccount "consumers" not found$/);
  });
});
