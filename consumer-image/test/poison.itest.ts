// Poison isolation against the real broker: a message that kills the process on a quorum queue goes to the dead
// queue alone; its prefetch neighbours, unsettled at every crash with it, are handled and acked.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, uniqueName } from './testing/broker.ts';
import { deadMessages } from './testing/dead.ts';
import { startRuntime } from './testing/runtime.ts';
import type { RuntimeProcess } from './testing/runtime.ts';
import { sleep, waitFor } from './testing/wait.ts';

let broker: TestBroker;
let runtime: RuntimeProcess | undefined;

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  runtime?.stop();
  await broker.close();
});

describe('poison isolation', () => {
  it('only the message that kills the process is dead-lettered; its neighbours are handled alone after each crash (quorum, prefetch 5)', async () => {
    const queue = uniqueName('isolate');
    const records = await broker.prepare(queue);
    const env = { HARE_QUEUE_TYPE: 'quorum', HARE_REDELIVERY_LIMIT: '3', HARE_PREFETCH: '5' };
    runtime = startRuntime(queue, env);
    await runtime.waitReady();
    const neighbours = ['n-1', 'n-2', 'n-3', 'n-4'];
    await broker.publishMany(queue, [...neighbours.map((id) => ({ id, sleepMs: 700 })), { id: 'crasher', crash: true }]);
    // the test plays the kubelet: every time the process dies, a new one starts
    const exits: (number | null)[] = [];
    while ((await broker.ready(`${queue}.dead`)) === 0) {
      const exit = await Promise.race([runtime.exited, sleep(300).then(() => undefined)]);
      if (exit === undefined) continue;
      exits.push(exit.code);
      expect(exits.length, 'restarts before the message went dead').toBeLessThanOrEqual(4);
      runtime = startRuntime(queue, env);
    }
    await waitFor(() => neighbours.every((id) => records.of(id).some((r) => r.outcome === 'ack')), 30_000, () => `every neighbour acked: ${JSON.stringify(records.records.map((r) => [r.id, r.outcome]))}`);
    await sleep(500);
    const dead = await deadMessages(broker, queue, 1);
    expect(dead.map((m) => m.properties.messageId as unknown)).toEqual(['crasher']);
    expect(dead[0]!.properties.headers).toMatchObject({ 'x-hare-dead-cause': 'redelivery-limit' });
    expect(exits).toEqual([70, 70, 70]);
    expect(records.of('crasher')).toHaveLength(3);
    await waitFor(async () => (await broker.ready(queue)) === 0, 10_000, () => `${queue} empty`);
    expect(await broker.ready(`${queue}.dead`)).toBe(0); // nothing else followed it there
  });
});
