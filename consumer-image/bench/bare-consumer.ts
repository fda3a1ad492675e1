// Benchmark baseline: a bare amqplib consumer (same prefetch, manual acks); after <warmup> messages it
// measures time and CPU to the <total>-th message and reports them once.
import { connect } from 'amqplib';

const [uri, queue, prefetchArg, warmupArg, totalArg] = process.argv.slice(2);
if (uri === undefined || queue === undefined || prefetchArg === undefined || warmupArg === undefined || totalArg === undefined) {
  throw new Error('usage: bare-consumer.ts <uri> <queue> <prefetch> <warmup> <total>');
}
const warmup = Number(warmupArg);
const total = Number(totalArg);
const connection = await connect(uri);
const channel = await connection.createChannel();
await channel.prefetch(Number(prefetchArg));
let count = 0;
let first = 0;
let cpu: NodeJS.CpuUsage | undefined;
await channel.consume(queue, (m) => {
  if (m === null) return;
  if (count === warmup) {
    first = performance.now();
    cpu = process.cpuUsage();
  }
  channel.ack(m);
  count += 1;
  if (count === total) {
    const used = process.cpuUsage(cpu);
    process.stdout.write(`${JSON.stringify({ bench: { count, ms: performance.now() - first, cpuUs: used.user + used.system } })}\n`);
  }
});
process.stdout.write(`${JSON.stringify({ msg: 'consuming' })}\n`);
