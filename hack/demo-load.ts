// Demo load generator: publishes waves of messages to the demo queue and counts the records the recorder module
// writes back, so `kubectl get cpool -w` shows the autoscaler follow the load. Runs until SIGTERM, and rides
// out what a demo meets: a queue that does not exist yet, a broker that is down or restarts, a forced close.
// Usage: node hack/demo-load.ts <amqp-uri> <queue>
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel } from 'amqplib';

const [uri = 'amqp://guest:guest@127.0.0.1:5672/', queue = 'orders'] = process.argv.slice(2);
const log = (msg: string): void => console.log(`${new Date().toISOString()} ${msg}`);

/**
 * Messages per second t seconds after the queue appeared: a 40 s burst of 80 every 150 s, a trickle in between. The pool
 * scales up within seconds of a burst and down one scale-down window (60 s) after the backlog is gone.
 */
const rate = (t: number): number => (t % 150 < 40 ? 80 : 2);

let stopping = false;
const stopped = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => { stopping = true; stopped.abort(); });
const nap = (ms: number): Promise<void> => sleep(ms, undefined, { signal: stopped.signal }).catch(() => undefined);

let published = 0;
let processed = 0;
let start: number | undefined;
let logged = 0;

/** One connection's life: consume the records, wait for the queue, publish the waves; returns when it fails. */
async function session(conn: ChannelModel): Promise<void> {
  const closed = new Promise<Error>((resolve) => {
    conn.on('error', (err: Error) => resolve(err));
    conn.on('close', (err?: Error) => resolve(err ?? new Error('connection closed')));
  });
  const ch = await conn.createConfirmChannel();
  ch.on('error', () => undefined); // the connection's close reports it
  await ch.assertQueue(`${queue}.processed`, { durable: true });
  await ch.consume(`${queue}.processed`, (m) => {
    if (!m) return;
    processed++;
    ch.ack(m);
  });
  let announced = false;
  let alive = true;
  const work = (async (): Promise<void> => {
    while (!stopping && alive) {
      if (!(await queueExists(conn))) {
        // the pool declares the queue; a message published before that would be unroutable, and so lost
        if (!announced) log(`waiting for queue ${queue} to be declared by the pool`);
        announced = true;
        await nap(2000);
        continue;
      }
      if (announced) log(`queue ${queue} is there: publishing`);
      announced = false;
      start ??= Date.now();
      const n = rate((Date.now() - start) / 1000);
      for (let i = 0; i < n; i++) {
        const id = `demo-${published}`;
        ch.sendToQueue(queue, Buffer.from(JSON.stringify({ id, sleepMs: 400 })), { persistent: true, contentType: 'application/json', messageId: id });
        published++;
      }
      await ch.waitForConfirms();
      if (Date.now() - logged >= 10_000) {
        logged = Date.now();
        log(`published ${published}, processed ${processed}`);
      }
      await nap(1000);
    }
  })();
  work.catch(() => undefined); // a failure of the loop after the connection went is already reported
  try {
    const ended = await Promise.race([work.then(() => undefined), closed]);
    if (ended) throw ended;
  } finally {
    alive = false;
    await conn.close().catch(() => undefined);
  }
}

/** A passive declare on a channel of its own: on a missing queue the broker closes that channel, not ours. */
async function queueExists(conn: ChannelModel): Promise<boolean> {
  const probe = await conn.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkQueue(queue);
    await probe.close();
    return true;
  } catch {
    return false;
  }
}

for (let failures = 0; !stopping;) {
  try {
    const conn = await amqp.connect(uri, { clientProperties: { connection_name: 'hare-demo-load' } });
    log(`connected to ${new URL(uri).host}`);
    failures = 0;
    await session(conn);
  } catch (err) {
    if (stopping) break;
    const delay = Math.min(10_000, 1000 * 2 ** failures++);
    log(`broker connection lost (${(err as Error).message}); reconnecting in ${delay / 1000} s`);
    await nap(delay);
  }
}
log(`stopped: published ${published}, processed ${processed}`);
