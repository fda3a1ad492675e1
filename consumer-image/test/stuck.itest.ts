// Stuck handlers against the real broker: the handler timeout aborts context.signal and retries the message (a late
// result settles nothing); a lost connection aborts its orphaned handlers, which no longer count as in flight; a
// second SIGTERM exits at once; a module's init/close hooks run once each, and their failures are reported.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, connectionPid, rabbitmqctl, uniqueName } from './testing/broker.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { sleep, waitFor } from './testing/wait.ts';

let broker: TestBroker;
const start = runtimesStoppedAfterEach();

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  await broker.close();
});

describe('stuck handlers', () => {
  it('the handler timeout aborts context.signal and retries the message; the late result acks nothing', async () => {
    const queue = uniqueName('timeout');
    const records = await broker.prepare(queue);
    const p = start(queue, { HARE_HANDLER_TIMEOUT_SECONDS: '0.5', HARE_RETRY_DELAYS_MS: '100' });
    await p.waitReady();
    await broker.publish(queue, { id: 'stuck', hang: 'first' });
    await waitFor(() => records.of('stuck').length === 2, 15_000, () => 'the retry');
    const aborted = await p.waitForLog('probe saw the abort');
    expect(String(aborted.reason)).toContain('did not finish within 500 ms');
    await sleep(700); // the stuck handler has returned by now (200 ms after the abort)
    expect(records.of('stuck').map((r) => [r.retryCount, r.redelivered, r.outcome])).toEqual([[0, false, 'ack'], [1, false, 'ack']]);
    expect(await p.metric('hare_consumer_handler_timeouts_total')).toBe(1);
    expect(await p.metric('hare_consumer_messages_retried_total')).toBe(1);
    expect(await p.metric('hare_consumer_messages_acked_total')).toBe(2); // the hand-on's ack and the retry's, no third
    expect(p.logged('lost the broker connection')).toEqual([]); // a second ack of one tag would close the channel
    expect(await broker.ready(queue)).toBe(0);
  });

  it('a lost connection aborts its orphaned handlers; they no longer count as in flight and the drain does not wait for them', async () => {
    const queue = uniqueName('orphan');
    const records = await broker.prepare(queue);
    const p = start(queue);
    await p.waitReady();
    await broker.publish(queue, { id: 'orphan', hang: 'first' });
    await records.waitForCount(1);
    await rabbitmqctl('close_connection', (await connectionPid(p.podName))!, 'itest: connection lost mid-handler');
    const aborted = await p.waitForLog('probe saw the abort');
    expect(String(aborted.reason)).toMatch(/CONNECTION_FORCED|connection lost mid-handler/);
    await waitFor(() => records.of('orphan').length === 2, 30_000, () => 'the redelivery');
    expect(records.of('orphan')[1]).toMatchObject({ redelivered: true, outcome: 'ack' });
    await waitFor(async () => (await p.metric('hare_consumer_messages_in_flight')) === 0, 5_000, () => 'nothing in flight');
    const t0 = Date.now();
    expect(JSON.parse((await p.get('/drain')).body)).toMatchObject({ drained: true, abandoned: 0 });
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a second SIGTERM exits at once, without waiting for the drain timeout', async () => {
    const queue = uniqueName('sigterm2');
    const records = await broker.prepare(queue);
    const p = start(queue, { HARE_DRAIN_TIMEOUT_SECONDS: '60' });
    await p.waitReady();
    await broker.publish(queue, { id: 'forever', hang: 'always' });
    await records.waitForCount(1);
    p.child.kill('SIGTERM');
    await p.waitForLog('drain started');
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const exit = await Promise.race([p.exited, sleep(10_000).then(() => undefined)]);
    expect(exit, 'exited after the second SIGTERM').toEqual({ code: 143, signal: null });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(p.logged(/^second signal/)).toHaveLength(1);
  });
});

describe('module hooks', () => {
  it('init(context) runs once before consuming, close() once after the drain', async () => {
    const queue = uniqueName('hooks');
    await broker.prepare(queue);
    const p = start(queue, { HARE_MODULE: 'hooks' });
    await p.waitReady();
    await broker.publish(queue, Buffer.from('x'));
    await p.waitForLog('hooks: consume');
    await p.get('/drain');
    expect((await p.exited).code).toBe(0);
    const order = p.logs.map((l) => l.msg).filter((m) => m.startsWith('hooks:') || m === 'consuming' || m === 'drained');
    expect(order).toEqual(['hooks: init', 'consuming', 'hooks: consume', 'drained', 'hooks: close']);
    expect(p.logged('hooks: init')[0]).toMatchObject({ queue, source: 'module' });
  });

  it('a failing init() stops the process with exit code 1 before it consumes; a failing close() is logged, exit code 1', async () => {
    const queue = uniqueName('hookfail');
    await broker.prepare(queue);
    const failingInit = start(queue, { HARE_MODULE: 'hooks', HOOKS_FAIL: 'init' });
    expect((await failingInit.exited).code).toBe(1);
    expect(failingInit.logs.find((l) => l.level === 'fatal')?.msg).toBe("the module's init() failed: the database is unreachable");
    expect(failingInit.logged('consuming')).toEqual([]);

    const failingClose = start(queue, { HARE_MODULE: 'hooks', HOOKS_FAIL: 'close' });
    await failingClose.waitReady();
    failingClose.child.kill('SIGTERM');
    expect((await failingClose.exited).code).toBe(1);
    expect(failingClose.logged("the module's close() failed: the pool would not close")[0]).toMatchObject({ level: 'error' });
  });
});
