// The Prometheus plugin source: parsing a /metrics/detailed answer, what it asks for, and its failures as read errors.
import { describe, expect, it } from 'vitest';
import type { Fetch } from './bounded-fetch.ts';
import { parsePluginQueue, PrometheusClient } from './prometheus-plugin.ts';

const DETAILED = `# TYPE rabbitmq_detailed_queue_messages_ready gauge
rabbitmq_detailed_queue_messages_ready{vhost="/",queue="orders"} 7
rabbitmq_detailed_queue_messages_ready{vhost="/",queue="orders.dead"} 2
rabbitmq_detailed_queue_messages_ready{vhost="other",queue="orders"} 100
# TYPE rabbitmq_detailed_queue_messages_unacked gauge
rabbitmq_detailed_queue_messages_unacked{vhost="/",queue="orders"} 3
rabbitmq_detailed_queue_messages_unacked{vhost="/",queue="orders.dead"} 0
rabbitmq_detailed_queue_messages_unacked{vhost="other",queue="orders"} 50
# TYPE rabbitmq_detailed_queue_consumers gauge
rabbitmq_detailed_queue_consumers{vhost="/",queue="orders"} 2
`;

describe('parsePluginQueue', () => {
  it('reads the one queue of the one vhost', () => {
    expect(parsePluginQueue(DETAILED, '/', 'orders')).toEqual({ ready: 7, unacked: 3, consumers: 2 });
    expect(parsePluginQueue(DETAILED, 'other', 'orders')).toEqual({ ready: 100, unacked: 50, consumers: undefined });
  });

  it('refuses a queue the node does not list (node-local metrics), rather than reading 0', () => {
    expect(() => parsePluginQueue(DETAILED, '/', 'billing')).toThrow(/no queue_coarse_metrics for queue 'billing'.*node that hosts the queue/);
  });
});

describe('PrometheusClient', () => {
  const answer = (text: string, status = 200): Awaited<ReturnType<Fetch>> => ({ ok: status < 300, status, body: new Response(text).body });

  it('asks the detailed endpoint for the vhost and the two families, with Basic auth from the URI', async () => {
    const asked: { url: string; auth: string | undefined }[] = [];
    const fetch: Fetch = (url, init) => {
      asked.push({ url, auth: init.headers?.authorization });
      return Promise.resolve(answer(DETAILED));
    };
    const client = new PrometheusClient('http://scraper:s3cret@rabbit:15692', { timeoutMs: 1000, fetch });
    expect(await client.queue('/', 'orders')).toEqual({ ready: 7, unacked: 3, consumers: 2 });
    expect(asked).toEqual([{ url: 'http://rabbit:15692/metrics/detailed?vhost=%2F&family=queue_coarse_metrics&family=queue_consumer_count', auth: `Basic ${Buffer.from('scraper:s3cret').toString('base64')}` }]);
  });

  it('turns HTTP errors and refused connections into read failures without credentials', async () => {
    const denied = new PrometheusClient('http://u:s3cret@rabbit:15692', { timeoutMs: 1000, fetch: () => Promise.resolve(answer('no', 401)) });
    await expect(denied.queue('/', 'orders')).rejects.toMatchObject({ kind: 'accessRefused' });
    const down = new PrometheusClient('http://u:s3cret@rabbit:15692', { timeoutMs: 1000, fetch: () => Promise.reject(new Error('connect ECONNREFUSED u:s3cret@rabbit')) });
    const err: unknown = await down.queue('/', 'orders').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unreachable' });
    expect(String((err as Error).message)).not.toContain('s3cret');
  });
});
