// Resilience against the real broker: a connection killed by rabbitmqctl mid-run loses nothing and the
// runtime reconnects under its pod name; a republish that finds no queue is requeued, never dropped;
// credentials appear in no log line, error or metric.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, mgmt, rabbitmqctl, uniqueName } from './testing/broker.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { waitFor } from './testing/wait.ts';

const USER = 'itest-hare-user';
const PASSWORD = 'Sup3r-Secret-Pw-7731';
const SECRET_URI = `amqp://${USER}:${PASSWORD}@127.0.0.1:5672/`;

let broker: TestBroker;
const start = runtimesStoppedAfterEach();

beforeEach(async () => {
  broker = await TestBroker.open();
  await mgmt(`/users/${USER}`, { method: 'PUT', body: JSON.stringify({ password: PASSWORD, tags: '' }) });
  await mgmt(`/permissions/%2F/${USER}`, { method: 'PUT', body: JSON.stringify({ configure: '.*', write: '.*', read: '.*' }) });
});
afterEach(async () => {
  await mgmt(`/users/${USER}`, { method: 'DELETE' });
  await broker.close();
});

/** The broker's pid of the connection whose client-provided name is `name` (rabbitmqctl's own listing). */
async function connectionPid(name: string): Promise<string | undefined> {
  const out = await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties');
  const line = out.split('\n').find((l) => l.includes(`{"connection_name","${name}"}`));
  return line?.split('\t')[0];
}

describe('resilience', () => {
  it('rabbitmqctl close_connection mid-run: nothing lost, reconnects with backoff, same connection name', async () => {
    const queue = uniqueName('reconnect');
    const records = await broker.prepare(queue);
    const p = start(queue, { HARE_BROKER_URI: SECRET_URI, HARE_PREFETCH: '10' });
    await p.waitReady();
    const ids = Array.from({ length: 300 }, (_, i) => `r-${i}`);
    await broker.publishMany(queue, ids.map((id) => ({ id, sleepMs: 10 })));
    await records.waitForCount(50);

    const pid = await connectionPid(p.podName);
    expect(pid).toMatch(/^<rabbit@/);
    await rabbitmqctl('close_connection', pid!, 'itest: simulated broker-side failure');
    await p.waitForLog('lost the broker connection');
    await p.waitForLog('consuming', 2);
    await waitFor(() => records.ids().size === ids.length, 90_000, () => `all ids (have ${records.ids().size})`);

    expect([...records.ids()].sort()).toEqual([...ids].sort());
    const seen = new Map<string, number>();
    for (const r of records.records) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    for (const id of twice) expect(records.of(id).some((r) => r.redelivered)).toBe(true); // only the broker's redeliveries
    expect(await p.metric('hare_consumer_reconnects_total')).toBeGreaterThanOrEqual(1);
    expect(await connectionPid(p.podName)).toMatch(/^<rabbit@/); // the new connection carries the pod name again
    expect(await broker.ready(queue)).toBe(0);

    await p.get('/drain');
    expect((await p.exited).code).toBe(0);
    expect(p.output).not.toContain(PASSWORD); // everything written, including the lost connection's error
  });

  it('a republish that finds no delay queue is returned to the queue (not lost) and the topology re-declared', async () => {
    const queue = uniqueName('unroutable');
    const records = await broker.prepare(queue);
    const p = start(queue, { HARE_RETRY_DELAYS_MS: '300' });
    await p.waitReady();
    await broker.channel.deleteQueue(`${queue}.delay.300`);
    await broker.publish(queue, { id: 'u', fail: 1 });
    await waitFor(() => records.of('u').some((r) => r.outcome === 'ack'), 30_000, () => 'the message to succeed');
    expect(records.of('u').map((r) => [r.retryCount, r.redelivered, r.outcome])).toEqual([
      [0, false, 'retry'], // republish unroutable -> nacked back
      [0, true, 'retry'], // redelivered by the broker, republished to the re-declared delay queue
      [1, false, 'ack'],
    ]);
    expect(await p.metric('hare_consumer_messages_requeued_total')).toBe(1);
    expect(p.logged(/declaring the topology again/)).toHaveLength(1);
  });

  it('never shows credentials: wrong password, unreachable broker, logs and metrics', async () => {
    const wrong = start(uniqueName('creds'), { HARE_BROKER_URI: `amqp://${USER}:${PASSWORD}-nope@127.0.0.1:5672/` });
    await wrong.waitForLog('cannot connect to the broker', 2);
    const metrics = (await wrong.get('/metrics')).body;
    const down = start(uniqueName('creds'), { HARE_BROKER_URI: `amqp://${USER}:${PASSWORD}@127.0.0.1:1/` });
    await down.waitForLog('cannot connect to the broker', 2);
    for (const p of [wrong, down]) {
      p.child.kill('SIGTERM');
      expect((await p.exited).code).toBe(0);
      expect(p.output).toContain('cannot connect');
      expect(p.output).not.toContain(PASSWORD);
    }
    const err = wrong.logged('cannot connect to the broker')[0]!.err as { message: string };
    expect(err.message).toMatch(/ACCESS.REFUSED/);
    expect(metrics).toContain('hare_consumer_connected');
    expect(metrics).not.toContain(PASSWORD);
  });
});
