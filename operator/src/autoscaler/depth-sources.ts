// The registry of depth sources: one AMQP connection per broker URI and one management client per API URL,
// shared by every pool that uses them, reference-counted and closed when the last pool lets go.
import type { ChannelModel } from 'amqplib';
import { AmqpDepthClient } from './amqp-depth.ts';
import type { BackoffOptions, Random } from './jitter.ts';
import { ManagementClient } from './management-api.ts';
import { PrometheusClient } from './prometheus-plugin.ts';
import { amqpFailureKind, DepthReadError, messageOf } from './read-error.ts';
import type { AutoscalerLog, QueueDepth, QueueRef, Reading } from './types.ts';
import { silentLog } from './types.ts';
import { clientKey, type BrokerTls } from './tls.ts';
import { scrub } from './uri.ts';

export interface DepthSourcesOptions {
  /** Connection name shown by the broker (rabbitmqctl list_connections name). */
  connectionName?: string;
  /** Bound on each connect, passive declare and HTTP request. Default 5000 ms. */
  timeoutMs?: number;
  /** Reconnect backoff after failed connects. Default 1 s doubling to 30 s, with jitter. */
  backoff?: BackoffOptions;
  /** Reuse of the management API's vhost-wide channel and connection lists. Default 1000 ms. */
  listCacheMs?: number;
  /** Ask the management API for per-connection unacked counts (3 requests instead of 1). Default true. */
  perConnection?: boolean;
  log?: AutoscalerLog;
  now?: () => number;
  random?: Random;
}

/** A pool's lease on its broker clients. read() never rejects; release() is idempotent. */
export interface DepthHandle {
  readonly ref: QueueRef;
  read(): Promise<Reading>;
  release(): Promise<void>;
}

interface Shared<T> {
  readonly client: T;
  refs: number;
}

export class DepthSources {
  readonly #amqp = new Map<string, Shared<AmqpDepthClient>>();
  readonly #http = new Map<string, Shared<ManagementClient>>();
  readonly #prom = new Map<string, Shared<PrometheusClient>>();
  readonly #o: Required<DepthSourcesOptions>;

  constructor(options: DepthSourcesOptions = {}) {
    this.#o = {
      connectionName: options.connectionName ?? 'hare-operator-autoscaler',
      timeoutMs: options.timeoutMs ?? 5000,
      backoff: options.backoff ?? { baseMs: 1000, maxMs: 30_000 },
      listCacheMs: options.listCacheMs ?? 1000,
      perConnection: options.perConnection ?? true,
      log: options.log ?? silentLog,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
    };
  }

  /** Open AMQP connections (for tests and metrics). */
  get connections(): number {
    return [...this.#amqp.values()].filter((s) => s.client.connected).length;
  }

  /** Distinct brokers and management APIs currently leased. */
  get brokers(): { amqp: number; management: number } {
    return { amqp: this.#amqp.size, management: this.#http.size };
  }

  /** Leases the clients for a pool's queue. Throws a TypeError (without the URI) on a malformed URI. */
  acquire(ref: QueueRef): DepthHandle {
    const amqpKey = clientKey(ref.uri, ref.tls);
    const amqp = this.#lease(this.#amqp, amqpKey, () => new AmqpDepthClient(ref.uri, { ...this.#o, tls: ref.tls }));
    const mgmtUri = ref.managementUri;
    const httpKey = mgmtUri === undefined ? undefined : clientKey(mgmtUri, ref.tls);
    // the Prometheus plugin only where no management API is named: the latter gives per-connection counts and rates too
    const promUri = mgmtUri === undefined ? ref.prometheusUri : undefined;
    const promKey = promUri === undefined ? undefined : clientKey(promUri, ref.tls);
    let http: ManagementClient | undefined;
    let prom: PrometheusClient | undefined;
    try {
      http = mgmtUri === undefined || httpKey === undefined ? undefined : this.#lease(this.#http, httpKey, () => new ManagementClient(mgmtUri, { ...this.#o, tls: ref.tls }));
      prom = promUri === undefined || promKey === undefined ? undefined : this.#lease(this.#prom, promKey, () => new PrometheusClient(promUri, { timeoutMs: this.#o.timeoutMs, tls: ref.tls }));
    } catch (err) {
      void this.#unlease(this.#amqp, amqpKey);
      if (http !== undefined && httpKey !== undefined) void this.#unlease(this.#http, httpKey);
      throw err;
    }
    let released = false;
    return {
      ref,
      read: () => this.#read(ref, amqp, { http, prom }),
      release: async () => {
        if (released) return;
        released = true;
        await Promise.all([
          this.#unlease(this.#amqp, amqpKey),
          httpKey === undefined ? undefined : this.#unlease(this.#http, httpKey),
          promKey === undefined || prom === undefined ? undefined : this.#unlease(this.#prom, promKey),
        ]);
      },
    };
  }

  /** Runs `use` on the shared AMQP connection of a broker URI; a connection no pool leases is closed after. */
  async withConnection<T>(uri: string, use: (conn: ChannelModel) => Promise<T>, tls?: BrokerTls): Promise<T> {
    const key = clientKey(uri, tls);
    const client = this.#lease(this.#amqp, key, () => new AmqpDepthClient(uri, { ...this.#o, tls }));
    try {
      return await use(await client.connection());
    } finally {
      await this.#unlease(this.#amqp, key);
    }
  }

  /** Closes every connection; handles acquired before fail their reads afterwards. */
  async close(): Promise<void> {
    const amqp = [...this.#amqp.values()];
    this.#amqp.clear();
    this.#http.clear();
    this.#prom.clear();
    await Promise.all(amqp.map((s) => s.client.close()));
  }

  #lease<T>(map: Map<string, Shared<T>>, key: string, create: () => T): T {
    let shared = map.get(key);
    if (shared === undefined) {
      shared = { client: create(), refs: 0 };
      map.set(key, shared);
    }
    shared.refs++;
    return shared.client;
  }

  async #unlease<T>(map: Map<string, Shared<T>>, key: string): Promise<void> {
    const shared = map.get(key);
    if (shared === undefined || --shared.refs > 0) return;
    map.delete(key);
    if (shared.client instanceof AmqpDepthClient) await shared.client.close();
  }

  async #read(ref: QueueRef, amqp: AmqpDepthClient, { http, prom }: { http?: ManagementClient | undefined; prom?: PrometheusClient | undefined }): Promise<Reading> {
    const started = this.#o.now();
    try {
      const extra = http !== undefined ? this.#managementPart(ref, amqp, http) : prom === undefined ? undefined : pluginPart(ref, amqp, prom);
      const [counts, part] = await Promise.all([amqp.counts(ref.queue), extra]);
      const depth: QueueDepth = { ready: counts.ready, consumers: counts.consumers, ...part };
      return { ok: true, depth, latencyMs: this.#o.now() - started };
    } catch (err) {
      const latencyMs = this.#o.now() - started;
      if (err instanceof DepthReadError) return { ok: false, kind: err.kind, error: err.message, latencyMs };
      const secrets = [...amqp.target.secrets, ...(http?.target.secrets ?? []), ...(prom?.target.secrets ?? [])];
      return { ok: false, kind: amqpFailureKind(err), error: scrub(messageOf(err), secrets), latencyMs };
    }
  }

  /** Unacked (and per-connection unacked, rates) from the management API; ready stays the AMQP count. */
  async #managementPart(ref: QueueRef, amqp: AmqpDepthClient, http: ManagementClient): Promise<Partial<QueueDepth>> {
    const vhost = amqp.target.vhost;
    const queue = await http.queue(vhost, ref.queue);
    const perConnection = this.#o.perConnection ? await http.perConnectionUnacked(vhost, queue) : undefined;
    const busy = perConnection === undefined ? {} : { perConnectionUnacked: perConnection.byName, perPeerUnacked: perConnection.byPeer };
    return { unacked: queue.unacked, unackedFrom: 'management', rates: queue.rates, ...busy };
  }
}

/** Unacked from the Prometheus plugin; ready stays the AMQP count (exact and current). */
async function pluginPart(ref: QueueRef, amqp: AmqpDepthClient, prom: PrometheusClient): Promise<Partial<QueueDepth>> {
  const queue = await prom.queue(amqp.target.vhost, ref.queue);
  return { unacked: queue.unacked, unackedFrom: 'prometheus' };
}
