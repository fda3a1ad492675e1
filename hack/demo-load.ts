// Demo load generator: publishes waves of messages to the demo queue and counts the records the recorder module
// writes back, so `kubectl get cpool -w` shows the autoscaler follow the load. Runs until SIGTERM.
// Usage: node hack/demo-load.ts <amqp-uri> <queue>
import amqp from 'amqplib';

const [uri = 'amqp://guest:guest@127.0.0.1:5672/', queue = 'orders'] = process.argv.slice(2);
const conn = await amqp.connect(uri, { clientProperties: { connection_name: 'hare-demo-load' } });
const ch = await conn.createConfirmChannel();
await ch.assertQueue(`${queue}.processed`, { durable: true });
let published = 0;
let processed = 0;
await ch.consume(`${queue}.processed`, (m) => {
  if (!m) return;
  processed++;
  ch.ack(m);
});

/** Messages per second at time t: a quiet base with a burst every other minute. */
const rate = (t: number): number => (Math.floor(t / 60) % 2 === 0 ? 40 : 3);
let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => { stopping = true; });
const start = Date.now();
let waited = false;
while (!stopping) {
  const exists = await ch.checkQueue(queue).then(() => true, () => false);
  if (!exists) {
    // the pool's runtime declares the queue; publishing before that would be unroutable
    if (!waited) console.log(`waiting for queue ${queue} to be declared by the pool`);
    waited = true;
    await new Promise((r) => setTimeout(r, 2000));
    continue;
  }
  const n = rate((Date.now() - start) / 1000);
  for (let i = 0; i < n; i++) {
    const id = `demo-${published++}`;
    ch.sendToQueue(queue, Buffer.from(JSON.stringify({ id, sleepMs: 400 })), { persistent: true, contentType: 'application/json', messageId: id });
  }
  await ch.waitForConfirms();
  if (published % 200 < n) console.log(`${new Date().toISOString()} published ${published}, processed ${processed}`);
  await new Promise((r) => setTimeout(r, 1000));
}
await conn.close();
