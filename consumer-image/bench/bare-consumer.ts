// Benchmark baseline: a bare amqplib consumer (same prefetch, manual acks); after <warmup> messages it
// measures time and CPU to the <total>-th message and reports them once. With `async`, each ack waits for an
// async no-op handler, as a bare consumer with an async handler would.
import { connect } from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { MeasurementWindow } from './window.ts';

const [uri, queue, prefetchArg, warmupArg, totalArg, handler = 'sync'] = process.argv.slice(2);
if (uri === undefined || queue === undefined || prefetchArg === undefined || warmupArg === undefined || totalArg === undefined) {
  throw new Error('usage: bare-consumer.ts <uri> <queue> <prefetch> <warmup> <total> [sync|async]');
}
const window = new MeasurementWindow(Number(warmupArg), Number(totalArg));
const connection = await connect(uri);
const channel = await connection.createChannel();
await channel.prefetch(Number(prefetchArg));
const done = (m: ConsumeMessage): void => {
  channel.ack(m);
  const bench = window.tick();
  if (bench !== undefined) process.stdout.write(`${JSON.stringify({ bench })}\n`);
};
const noop = (): Promise<void> => Promise.resolve();
await channel.consume(queue, (m) => {
  if (m === null) return;
  if (handler === 'async') void noop().then(() => done(m));
  else done(m);
});
process.stdout.write(`${JSON.stringify({ msg: 'consuming' })}\n`);
