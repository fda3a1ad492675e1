// A consumer that breaks the pod contract on purpose: it consumes and acks, but exits at once on SIGTERM,
// dropping the messages it holds (the broker redelivers them). The kit must fail it.
// Usage: node hack/conformance/testing/bad-consumer.ts     (reads HARE_BROKER_URI, HARE_QUEUE, HARE_PREFETCH)
import { connect } from 'amqplib';

const queue = process.env.HARE_QUEUE ?? 'bad';
const connection = await connect(process.env.HARE_BROKER_URI ?? 'amqp://127.0.0.1', { clientProperties: { connection_name: process.env.HARE_POD_NAME } });
const channel = await connection.createChannel();
await channel.assertQueue(queue, { durable: true });
if (process.env.HARE_EXCHANGE) {
  await channel.assertExchange(process.env.HARE_EXCHANGE, 'topic', { durable: true });
  await channel.bindQueue(queue, process.env.HARE_EXCHANGE, process.env.HARE_ROUTING_KEY ?? queue);
}
await channel.prefetch(Number(process.env.HARE_PREFETCH ?? '1'));
await channel.consume(queue, (m) => {
  if (m === null) return;
  const { sleepMs = 0 } = JSON.parse(m.content.toString()) as { sleepMs?: number };
  setTimeout(() => channel.ack(m), sleepMs);
});
process.on('SIGTERM', () => process.exit(0)); // the defect: no basic.cancel, no finishing what it holds
