// Reading a runtime's dead queue in a test: wait for n messages, then take them all.
import type { GetMessage } from 'amqplib';
import type { TestBroker } from './broker.ts';
import { waitFor } from './wait.ts';

/** Waits until `<queue>.dead` holds at least `expected` messages, then removes and returns all of them. */
export async function deadMessages(broker: TestBroker, queue: string, expected: number, timeoutMs = 30_000): Promise<GetMessage[]> {
  const dead = `${queue}.dead`;
  await waitFor(async () => (await broker.ready(dead)) >= expected, timeoutMs, () => `${expected} dead messages in ${dead}`);
  const out: GetMessage[] = [];
  for (let m = await broker.channel.get(dead, { noAck: true }); m !== false; m = await broker.channel.get(dead, { noAck: true })) out.push(m);
  return out;
}
