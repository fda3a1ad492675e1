// Parsing of management API answers (shapes as RabbitMQ 3.10 returns them) into counts and per-connection unacked.
import { describe, expect, it } from 'vitest';
import { parseChannels, parseConnectionNames, parseQueue, perConnectionUnacked } from './management-parse.ts';
import { DepthReadError } from './read-error.ts';

const consumer = (conn: string, n: number): object => ({
  ack_required: true,
  channel_details: { connection_name: conn, name: `${conn} (${n})`, number: n, peer_host: conn.split(':')[0], user: 'app' },
  consumer_tag: `amq.ctag-${conn}-${n}`,
  prefetch_count: 10,
  queue: { name: 'orders', vhost: '/' },
});

const queueBody = {
  name: 'orders',
  vhost: '/',
  consumers: 3,
  messages: 57,
  messages_ready: 40,
  messages_unacknowledged: 17,
  message_stats: { publish: 900, publish_details: { rate: 12.5 }, deliver_get: 880, deliver_get_details: { rate: 11 } },
  consumer_details: [consumer('10.0.0.1:5000 -> 10.0.0.9:5672', 1), consumer('10.0.0.2:5001 -> 10.0.0.9:5672', 1), consumer('10.0.0.3:5002 -> 10.0.0.9:5672', 1)],
};

describe('parseQueue', () => {
  it('reads counts, rates and the consumer channels', () => {
    const q = parseQueue(queueBody);
    expect(q).toMatchObject({ ready: 40, unacked: 17, consumers: 3, rates: { publish: 12.5, deliverGet: 11 } });
    expect(q.consumerChannels[0]).toEqual({ channel: '10.0.0.1:5000 -> 10.0.0.9:5672 (1)', connection: '10.0.0.1:5000 -> 10.0.0.9:5672', peerHost: '10.0.0.1' });
  });

  it('treats missing counters as an error, never as zero', () => {
    expect(() => parseQueue({ name: 'orders', consumers: 0 })).toThrow(DepthReadError);
    expect(() => parseQueue([])).toThrow(/not an object/);
  });

  it('has no rates when the broker keeps no message statistics', () => {
    expect(parseQueue({ messages_ready: 0, messages_unacknowledged: 0, consumers: 0 }).rates).toBeUndefined();
  });
});

describe('perConnectionUnacked', () => {
  it('sums unacked per consumer connection, keyed by the client-provided name (the pod), idle pods at 0', () => {
    const q = parseQueue(queueBody);
    const channels = parseChannels([
      { name: '10.0.0.1:5000 -> 10.0.0.9:5672 (1)', messages_unacknowledged: 10 },
      { name: '10.0.0.2:5001 -> 10.0.0.9:5672 (1)', messages_unacknowledged: 0 },
      { name: '10.0.0.3:5002 -> 10.0.0.9:5672 (1)', messages_unacknowledged: 7 },
      { name: '10.0.0.4:5003 -> 10.0.0.9:5672 (1)', messages_unacknowledged: 99 },
    ]);
    const names = parseConnectionNames([
      { name: '10.0.0.1:5000 -> 10.0.0.9:5672', user_provided_name: 'orders-abcde' },
      { name: '10.0.0.2:5001 -> 10.0.0.9:5672', client_properties: { connection_name: 'orders-fghij' } },
      { name: '10.0.0.3:5002 -> 10.0.0.9:5672' },
    ]);
    expect(perConnectionUnacked(q, channels, names).byName).toEqual({
      'orders-abcde': 10,
      'orders-fghij': 0,
      '10.0.0.3:5002 -> 10.0.0.9:5672': 7,
    });
  });

  it('sums unacked per peer address too, every consumer connection from one address together', () => {
    const q = parseQueue({
      ...queueBody,
      consumer_details: [consumer('10.0.0.1:5000 -> 10.0.0.9:5672', 1), consumer('10.0.0.1:5000 -> 10.0.0.9:5672', 2), consumer('10.0.0.1:5007 -> 10.0.0.9:5672', 1), consumer('10.0.0.2:5001 -> 10.0.0.9:5672', 1)],
    });
    const channels = parseChannels([
      { name: '10.0.0.1:5000 -> 10.0.0.9:5672 (1)', messages_unacknowledged: 2 },
      { name: '10.0.0.1:5000 -> 10.0.0.9:5672 (2)', messages_unacknowledged: 3 },
      { name: '10.0.0.1:5007 -> 10.0.0.9:5672 (1)', messages_unacknowledged: 4 },
      { name: '10.0.0.2:5001 -> 10.0.0.9:5672 (1)', messages_unacknowledged: 0 },
    ]);
    expect(perConnectionUnacked(q, channels, new Map()).byPeer).toEqual({ '10.0.0.1': 9, '10.0.0.2': 0 });
  });

  it('shows an IPv4 peer of a dual-stack listener as the plain address the pod has', () => {
    const mapped = { ...queueBody, consumer_details: [{ channel_details: { connection_name: 'c', name: 'c (1)', peer_host: '::ffff:10.1.2.3' } }] };
    expect(parseQueue(mapped).consumerChannels[0]?.peerHost).toBe('10.1.2.3');
    const v6 = { ...queueBody, consumer_details: [{ channel_details: { connection_name: 'c', name: 'c (1)', peer_host: 'fd00::5' } }] };
    expect(parseQueue(v6).consumerChannels[0]?.peerHost).toBe('fd00::5');
  });

  it('ignores malformed rows and rejects non-lists', () => {
    expect(parseChannels([{ name: 'a' }, 3, { name: 'b', messages_unacknowledged: 2 }])).toEqual([{ name: 'b', unacked: 2 }]);
    expect(() => parseConnectionNames({})).toThrow(DepthReadError);
  });
});
