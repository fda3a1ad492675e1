// The intake's basic.cancel on a real quorum queue while acks flow: nothing on its way to the consumer is returned.
import { connect } from 'amqplib';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoalescingAcks } from '../src/acks.ts';
import { Intake } from '../src/intake.ts';
import { BROKER_URI, uniqueName } from './testing/broker.ts';
import { sleep } from './testing/wait.ts';

let connection: ChannelModel;
beforeAll(async () => void (connection = await connect(BROKER_URI)));
afterAll(async () => connection.close());

/**
 * One consumer of prefetch 10 whose handlers ack 2 to 10 ms after each delivery, stopped at a random moment; then what
 * is left in the queue is read: a redelivered one was returned by the broker at the cancel, never handled here.
 */
async function cancelUnderAcks(queue: string, random: () => number): Promise<number> {
  const channel = await connection.createChannel();
  const acks = new CoalescingAcks(channel, { acked: () => undefined, failed: () => undefined });
  const running = new Set<Promise<void>>();
  const intake = new Intake(channel, {
    queue,
    prefetch: 10,
    consume: {},
    tagPrefix: 'race',
    arrived: (delivery) => acks.delivered(delivery),
    handle: (delivery: ConsumeMessage) => sleep(2 + random() * 8).then(() => acks.ack(delivery)),
    track: (work) => void (running.add(work), work.finally(() => running.delete(work))),
    onCancelled: () => undefined,
    holdAcks: (prefetch) => acks.hold(prefetch),
  });
  await intake.start();
  await sleep(30 + random() * 100);
  await intake.stop();
  await Promise.all(running);
  acks.sendAll();
  await channel.close();
  const sweep = await connection.createChannel();
  let redelivered = 0;
  for (let m = await sweep.get(queue, { noAck: true }); m !== false; m = await sweep.get(queue, { noAck: true })) {
    if (m.fields.redelivered) redelivered += 1;
  }
  await sweep.close();
  return redelivered;
}

describe('Intake.stop on a quorum queue', () => {
  it('returns nothing to the queue over 30 cancels while acks flow (without the held acks: about one in three)', async () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const setup = await connection.createConfirmChannel();
    const returned: number[] = [];
    for (let round = 0; round < 30; round++) {
      const queue = uniqueName('cancel-race');
      await setup.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      for (let i = 0; i < 200; i++) setup.sendToQueue(queue, Buffer.from(String(i)), { persistent: true });
      await setup.waitForConfirms();
      returned.push(await cancelUnderAcks(queue, random));
      await setup.deleteQueue(queue);
    }
    await setup.close();
    expect(returned.filter((n) => n > 0), `messages returned per cancel: ${returned.join(' ')}`).toEqual([]);
  });
});
