// The broker's reason for closing the connection against the real broker: logged and counted by kind, so
// CONNECTION_FORCED, heartbeat loss, a consumer timeout and PRECONDITION_FAILED can be told apart.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, connectionPid, rabbitmqctl, uniqueName } from './testing/broker.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';

let broker: TestBroker;
const start = runtimesStoppedAfterEach();

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  await broker.close();
});

describe('broker close reasons', () => {
  it('rabbitmqctl close_connection: logged with code 320 and reason connection-forced, counted by reason', async () => {
    const queue = uniqueName('forced');
    await broker.prepare(queue);
    const p = start(queue);
    await p.waitReady();
    const pid = await connectionPid(p.podName);
    expect(pid).toMatch(/^<rabbit@/);
    await rabbitmqctl('close_connection', pid!, 'itest: operator closed it');
    const lost = await p.waitForLog('lost the broker connection');
    expect(lost).toMatchObject({ level: 'warn', closeReason: 'connection-forced', closeCode: 320 });
    expect(String((lost.err as { message: string }).message)).toContain('itest: operator closed it');
    await p.waitForLog('consuming', 2);
    const metrics = (await p.get('/metrics')).body;
    expect(metrics).toMatch(/^hare_consumer_broker_closes_total\{reason="connection-forced"[^}]*\} 1$/m);
  });
});
