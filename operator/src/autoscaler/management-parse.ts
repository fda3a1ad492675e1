// Pure parsing of RabbitMQ management API answers: queue counts and rates, channels, connection names and peers.
import { DepthReadError } from './read-error.ts';
import type { QueueRates } from './types.ts';

/** A consumer of the queue: its channel, the broker's name for that channel's connection, and the address it comes from. */
export interface ConsumerChannel {
  readonly channel: string;
  readonly connection: string;
  /** The connection's peer address as the broker sees it: the pod IP when nothing translates it on the way. */
  readonly peerHost?: string;
}

/** Unacknowledged messages of a queue's consumers, summed per connection name and per peer address. */
export interface ConsumerUnacked {
  /** By the client-provided connection name (the runtime uses the pod name), else the broker's name. */
  readonly byName: Record<string, number>;
  /** By peer address, every consumer connection from that address together (images that name nothing). */
  readonly byPeer: Record<string, number>;
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
    const peer = str(ch, 'peer_host');
    if (channel !== undefined && connection !== undefined) out.push({ channel, connection, ...(peer === undefined ? {} : { peerHost: plainAddress(peer) }) });
  }
  return out;
}

/** An IPv4 peer on a dual-stack listener may be shown as ::ffff:a.b.c.d; pods know it as a.b.c.d. */
export function plainAddress(host: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(host);
  return mapped?.[1] ?? host;
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
 * pod name) or else the broker's, and per peer address. A channel's count covers every queue it consumes;
 * the consumer runtime consumes one queue per channel. Channels missing from the list (closed meanwhile) count as 0.
 */
export function perConnectionUnacked(queue: ManagementQueue, channels: readonly ChannelRow[], names: ReadonlyMap<string, string>): ConsumerUnacked {
  const byChannel = new Map(channels.map((c) => [c.name, c.unacked]));
  const seen = new Set<string>();
  const byName: Record<string, number> = {};
  const byPeer: Record<string, number> = {};
  for (const { channel, connection, peerHost } of queue.consumerChannels) {
    if (seen.has(channel)) continue;
    seen.add(channel);
    const unacked = byChannel.get(channel) ?? 0;
    const key = names.get(connection) ?? connection;
    byName[key] = (byName[key] ?? 0) + unacked;
    if (peerHost !== undefined) byPeer[peerHost] = (byPeer[peerHost] ?? 0) + unacked;
  }
  return { byName, byPeer };
}
