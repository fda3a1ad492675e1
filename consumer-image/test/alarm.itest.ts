// Publishing under a resource alarm against the real broker, through a proxy that stops reading from connections that
// publish (as RabbitMQ does during a memory or disk alarm): acks of other messages still reach the broker, because the
// runtime publishes (retries and context.publish) on a second connection.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlarmProxy } from './testing/alarm-proxy.ts';
import { TestBroker, connectionPid, uniqueName } from './testing/broker.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { sleep, waitFor } from './testing/wait.ts';

let broker: TestBroker;
let proxy: AlarmProxy;
const start = runtimesStoppedAfterEach();

beforeEach(async () => {
  broker = await TestBroker.open();
  proxy = await AlarmProxy.start();
});
afterEach(async () => {
  await proxy.close();
  await broker.close();
});

describe('resource alarm', () => {
  it('a publish blocked by the alarm does not hold back the acks of other messages', async () => {
    const queue = uniqueName('alarm');
    await broker.prepare(queue);
    await broker.channel.assertQueue(`${queue}.out`, { durable: true });
    const p = start(queue, { HARE_MODULE: 'publisher', HARE_BROKER_URI: `amqp://guest:guest@127.0.0.1:${proxy.port}`, HARE_PREFETCH: '10' });
    await p.waitReady();
    proxy.alarm = true;
    await broker.publish(queue, { id: 'blocked', publish: true } as never);
    await p.waitForLog('publisher: handling');
    await broker.publishMany(queue, Array.from({ length: 5 }, (_, i) => ({ id: `plain-${i}` })));
    await p.waitForLog('publisher: handling', 6);
    await sleep(500); // the acks are sent
    p.stop(); // SIGKILL: what the broker has not received is lost; unacked messages return to the queue
    await p.exited;
    await waitFor(async () => (await connectionPid(p.podName)) === undefined, 10_000, () => 'the connection gone');
    // only the message whose publish was blocked is back; the five acks reached the broker
    let back = 0;
    await waitFor(async () => (back = await broker.ready(queue)) === 1, 10_000, () => `1 message back in ${queue} (have ${back})`);
    proxy.alarm = false;
    expect(await broker.ready(`${queue}.out`)).toBe(0); // the blocked publish never reached the broker
    const m = await broker.channel.get(queue, { noAck: true });
    expect(m && JSON.parse(m.content.toString())).toEqual({ id: 'blocked', publish: true });
  });
});
