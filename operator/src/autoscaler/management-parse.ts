// Pure parsing of RabbitMQ management API answers: queue counts and rates, channels, connection names.
import { DepthReadError } from './read-error.ts';
import type { QueueRates } from './types.ts';

/** A consumer of the queue: its channel and the broker's name for that channel's connection. */
export interface ConsumerChannel {
  readonly channel: string;
  readonly connection: string;
}

export interface ManagementQueue {
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number;
  readonly rates: QueueRates | undefined;
  readonly consumerChannels: readonly ConsumerChannel[];
}

export interface ChannelRow {
  readonly name: string;
  readonly unacked: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(o: Json, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(o: unknown, key: string): string | undefined {
  if (!isObject(o)) return undefined;
  const v = o[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function rate(stats: unknown, key: string): number | undefined {
  if (!isObject(stats)) return undefined;
  const details = stats[`${key}_details`];
  return isObject(details) ? num(details, 'rate') : undefined;
}

function ratesOf(stats: unknown): QueueRates | undefined {
  const publish = rate(stats, 'publish');
  const deliverGet = rate(stats, 'deliver_get');
  if (publish === undefined && deliverGet === undefined) return undefined;
  return { ...(publish === undefined ? {} : { publish }), ...(deliverGet === undefined ? {} : { deliverGet }) };
}

function consumerChannels(details: unknown): ConsumerChannel[] {
  if (!Array.isArray(details)) return [];
  const out: ConsumerChannel[] = [];
  for (const d of details) {
    const ch: unknown = isObject(d) ? d.channel_details : undefined;
    const channel = str(ch, 'name');
    const connection = str(ch, 'connection_name');
    if (channel !== undefined && connection !== undefined) out.push({ channel, connection });
  }
  return out;
}

/** GET /api/queues/{vhost}/{name}. Missing counters mean the broker keeps no statistics: an error, not zero. */
export function parseQueue(body: unknown): ManagementQueue {
  if (!isObject(body)) throw new DepthReadError('protocol', 'management API: queue answer is not an object');
  const ready = num(body, 'messages_ready');
  const unacked = num(body, 'messages_unacknowledged');
  const consumers = num(body, 'consumers') ?? 0;
  if (ready === undefined || unacked === undefined) {
    throw new DepthReadError('protocol', 'management API: queue has no messages_ready/messages_unacknowledged (statistics not collected yet or disabled)');
  }
  return { ready, unacked, consumers, rates: ratesOf(body.message_stats), consumerChannels: consumerChannels(body.consumer_details) };
}

/** GET /api/vhosts/{vhost}/channels?columns=name,messages_unacknowledged. */
export function parseChannels(body: unknown): ChannelRow[] {
  if (!Array.isArray(body)) throw new DepthReadError('protocol', 'management API: channel list is not an array');
  return body.filter(isObject).flatMap((c) => {
    const name = str(c, 'name');
    const unacked = num(c, 'messages_unacknowledged');
    return name === undefined || unacked === undefined ? [] : [{ name, unacked }];
  });
}

/** GET /api/vhosts/{vhost}/connections?columns=name,user_provided_name,client_properties: broker name -> client-provided name. */
export function parseConnectionNames(body: unknown): Map<string, string> {
  if (!Array.isArray(body)) throw new DepthReadError('protocol', 'management API: connection list is not an array');
  const names = new Map<string, string>();
  for (const c of body.filter(isObject)) {
    const name = str(c, 'name');
    const provided = str(c, 'user_provided_name') ?? str(c.client_properties, 'connection_name');
    if (name !== undefined && provided !== undefined) names.set(name, provided);
  }
  return names;
}

/**
 * Unacked messages per consumer connection of one queue, keyed by the client-provided connection name (the
 * pod name) or else the broker's. A channel's count covers every queue it consumes; the consumer runtime
 * consumes one queue per channel. Channels missing from the list (closed meanwhile) count as 0.
 */
export function perConnectionUnacked(queue: ManagementQueue, channels: readonly ChannelRow[], names: ReadonlyMap<string, string>): Record<string, number> {
  const byChannel = new Map(channels.map((c) => [c.name, c.unacked]));
  const seen = new Set<string>();
  const out: Record<string, number> = {};
  for (const { channel, connection } of queue.consumerChannels) {
    if (seen.has(channel)) continue;
    seen.add(channel);
    const key = names.get(connection) ?? connection;
    out[key] = (out[key] ?? 0) + (byChannel.get(channel) ?? 0);
  }
  return out;
}
