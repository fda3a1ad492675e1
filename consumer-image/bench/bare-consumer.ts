// Benchmark baseline: a bare amqplib consumer (same prefetch, manual acks); after <warmup> messages it
// measures time and CPU to the <total>-th message and reports them once.
import { connect } from 'amqplib';
import { MeasurementWindow } from './window.ts';

const [uri, queue, prefetchArg, warmupArg, totalArg] = process.argv.slice(2);
if (uri === undefined || queue === undefined || prefetchArg === undefined || warmupArg === undefined || totalArg === undefined) {
  throw new Error('usage: bare-consumer.ts <uri> <queue> <prefetch> <warmup> <total>');
}
const window = new MeasurementWindow(Number(warmupArg), Number(totalArg));
const connection = await connect(uri);
const channel = await connection.createChannel();
await channel.prefetch(Number(prefetchArg));
await channel.consume(queue, (m) => {
  if (m === null) return;
  channel.ack(m);
  const bench = window.tick();
  if (bench !== undefined) process.stdout.write(`${JSON.stringify({ bench })}\n`);
});
process.stdout.write(`${JSON.stringify({ msg: 'consuming' })}\n`);
