// RabbitMQ management HTTP API client, one per management base URL: queue counts, per-connection unacked counts.
import { DepthReadError, httpFailureKind, messageOf } from './read-error.ts';
import { parseChannels, parseConnectionNames, parseQueue, perConnectionUnacked } from './management-parse.ts';
import type { ConsumerUnacked, ManagementQueue } from './management-parse.ts';
import { tlsFetch, type BrokerTls, type TlsFetch } from './tls.ts';
import { managementTarget, scrub } from './uri.ts';
import type { ManagementTarget } from './uri.ts';

export interface ManagementClientOptions {
  /** Bound on each HTTP request. */
  readonly timeoutMs: number;
  /** How long a vhost's channel and connection lists are reused by every pool on this broker. */
  readonly listCacheMs: number;
  readonly now: () => number;
  /** CA and client certificate for https:// (verified against the system's roots without a CA). */
  readonly tls?: BrokerTls | undefined;
}

interface CacheEntry {
  readonly at: number;
  readonly body: Promise<unknown>;
}

/**
 * Uses the runtime's fetch (undici), whose global dispatcher keeps connections to each origin alive, so all
 * pools on one broker share its sockets. Credentials travel only in the Authorization header.
 */
export class ManagementClient {
  readonly target: ManagementTarget;
  readonly #o: ManagementClientOptions;
  readonly #lists = new Map<string, CacheEntry>();
  /** A dispatcher of its own when the pool brings TLS material; else the runtime's global one. */
  readonly #fetch: TlsFetch;

  constructor(uri: string, options: ManagementClientOptions) {
    this.target = managementTarget(uri);
    this.#o = options;
    this.#fetch = options.tls === undefined ? (url, init) => fetch(url, init) : tlsFetch(options.tls);
  }

  /** Counts, rates and consumer channels of one queue; throws DepthReadError. */
  async queue(vhost: string, name: string): Promise<ManagementQueue> {
    return parseQueue(await this.#get(`/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`));
  }

  /** Unacked messages per consumer connection (name and peer) of a queue read just before; the vhost lists are cached briefly. */
  async perConnectionUnacked(vhost: string, queue: ManagementQueue): Promise<ConsumerUnacked> {
    if (queue.consumerChannels.length === 0) return { byName: {}, byPeer: {} };
    const v = encodeURIComponent(vhost);
    const [channels, connections] = await Promise.all([
      this.#list(`/api/vhosts/${v}/channels?columns=name,messages_unacknowledged`),
      this.#list(`/api/vhosts/${v}/connections?columns=name,user_provided_name,client_properties.connection_name`),
    ]);
    return perConnectionUnacked(queue, parseChannels(channels), parseConnectionNames(connections));
  }

  /** Single-flight, short-lived cache: many pools reading within listCacheMs share one request. */
  #list(path: string): Promise<unknown> {
    const now = this.#o.now();
    const hit = this.#lists.get(path);
    if (hit !== undefined && now - hit.at < this.#o.listCacheMs) return hit.body;
    const body = this.#get(path);
    this.#lists.set(path, { at: now, body });
    body.catch(() => {
      if (this.#lists.get(path)?.body === body) this.#lists.delete(path);
    });
    return body;
  }

  async #get(path: string): Promise<unknown> {
    const url = `${this.target.base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.target.authorization !== undefined) headers.authorization = this.target.authorization;
    let res: Pick<Response, 'ok' | 'status' | 'text' | 'json'>;
    try {
      const init = { headers, signal: AbortSignal.timeout(this.#o.timeoutMs) };
      res = await this.#fetch(url, init);
    } catch (err) {
      const timeout = err instanceof Error && err.name === 'TimeoutError';
      const text = timeout ? `no answer within ${this.#o.timeoutMs} ms` : this.#scrub(messageOf(err));
      throw new DepthReadError(timeout ? 'timeout' : 'unreachable', `management API ${this.target.display}${path}: ${text}`, { cause: err });
    }
    if (!res.ok) {
      const detail = this.#scrub((await res.text().catch(() => '')).slice(0, 200));
      throw new DepthReadError(httpFailureKind(res.status), `management API ${this.target.display}${path}: HTTP ${res.status} ${detail}`);
    }
    try {
      return await res.json();
    } catch (err) {
      throw new DepthReadError('protocol', `management API ${this.target.display}${path}: invalid JSON (${messageOf(err)})`, { cause: err });
    }
  }

  #scrub(text: string): string {
    return scrub(text, this.target.secrets);
  }
}
