// The Prometheus plugin as a depth source, against a real RabbitMQ node with rabbitmq_prometheus and no management
// plugin: unacked from the plugin, ready from AMQP, and the management API preferred when both are named.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepthSources } from '../../src/autoscaler/depth-sources.ts';
import type { Reading } from '../../src/autoscaler/types.ts';
import { startPlainBroker, type PlainBroker } from '../support/plain-broker.ts';
import { waitFor } from '../support/kube.ts';

let mq: PlainBroker;
let conn: amqp.ChannelModel;

beforeAll(async () => {
  mq = await startPlainBroker({ prometheus: true });
  conn = await amqp.connect(mq.uri);
});
afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await mq?.stop();
});

describe('Prometheus plugin depth source (management plugin absent)', () => {
  it('reads unacked from the plugin and ready from AMQP', async () => {
    const queue = 'prom-depth';
    const ch = await conn.createChannel();
    await ch.assertQueue(queue);
    for (let i = 0; i < 7; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
    const holder = await conn.createChannel();
    await holder.prefetch(3);
    await holder.consume(queue, () => undefined); // holds 3, never acks
    const sources = new DepthSources({ connectionName: 'hare-prom-itest' });
    const handle = sources.acquire({ uri: mq.uri, prometheusUri: mq.prometheusUri, queue });
    let last: Reading | undefined;
    try {
      // the plugin's per-queue numbers follow the node's statistics interval (1 s on this node)
      await waitFor('3 unacked from the plugin', async () => {
        last = await handle.read();
        return last.ok && last.depth.unacked === 3;
      }, 15_000, 500).catch((err: unknown) => { throw new Error(`last read: ${JSON.stringify(last)}`, { cause: err }); });
      expect(last).toMatchObject({ ok: true, depth: { ready: 4, unacked: 3, unackedFrom: 'prometheus', consumers: 1 } });
    } finally {
      await handle.release();
      await sources.close();
    }
  });

  it('answers an HTTP error as a failed read (never 0), and leaves the plugin alone when a management API is named', async () => {
    const sources = new DepthSources({ connectionName: 'hare-prom-itest', timeoutMs: 1000 });
    const ch = await conn.createChannel();
    await ch.assertQueue('prom-other');
    const handle = sources.acquire({ uri: mq.uri, prometheusUri: `${mq.prometheusUri}/no-such-prefix`, queue: 'prom-other' });
    // the management API wins when both are named: here it is not running, so the read fails on it
    const both = sources.acquire({ uri: mq.uri, managementUri: 'http://guest:guest@127.0.0.1:1', prometheusUri: mq.prometheusUri, queue: 'prom-other' });
    try {
      const plugin = await handle.read();
      expect(plugin).toMatchObject({ ok: false, kind: 'notFound' });
      expect(!plugin.ok && plugin.error).toMatch(/Prometheus plugin .*HTTP 404/);
      const management = await both.read();
      expect(management).toMatchObject({ ok: false, kind: 'unreachable' });
      expect(!management.ok && management.error).toMatch(/management API/);
      expect(sources.brokers).toEqual({ amqp: 1, management: 1 });
    } finally {
      await handle.release();
      await both.release();
      await sources.close();
    }
  });
});
