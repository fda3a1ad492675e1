// RabbitMQ's Prometheus plugin (rabbitmq_prometheus, port 15692) as a source of a queue's counts without the
// management plugin: GET /metrics/detailed for the queue_coarse_metrics and queue_consumer_count families.
import { boundedText, type Fetch } from './bounded-fetch.ts';
import { DepthReadError, messageOf } from './read-error.ts';
import { samples } from './prometheus-text.ts';
import { tlsFetch, type BrokerTls } from './tls.ts';
import { managementTarget, scrub, type ManagementTarget } from './uri.ts';

export interface PluginQueue {
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number | undefined;
}

export interface PrometheusClientOptions {
  readonly timeoutMs: number;
  /** Largest answer read (the detailed endpoint lists every queue of the vhost on that node). Default 4 MiB. */
  readonly maxBytes?: number;
  readonly tls?: BrokerTls | undefined;
  readonly fetch?: Fetch;
}

/** One per plugin base URL; credentials, if any, travel only in the Authorization header. */
export class PrometheusClient {
  readonly target: ManagementTarget;
  readonly #o: PrometheusClientOptions;
  readonly #fetch: Fetch;

  constructor(uri: string, options: PrometheusClientOptions) {
    this.target = managementTarget(uri);
    this.#o = options;
    const secure = options.tls === undefined ? undefined : tlsFetch(options.tls);
    this.#fetch = options.fetch ?? (secure === undefined ? (url, init) => fetch(url, init) : (url, init) => secure(url, { headers: {}, ...init }));
  }

  /** The counts of one queue; throws DepthReadError. */
  async queue(vhost: string, name: string): Promise<PluginQueue> {
    const path = `/metrics/detailed?vhost=${encodeURIComponent(vhost)}&family=queue_coarse_metrics&family=queue_consumer_count`;
    const headers: Record<string, string> = { accept: 'text/plain' };
    if (this.target.authorization !== undefined) headers.authorization = this.target.authorization;
    let text: string;
    try {
      text = await boundedText(this.#fetch, `${this.target.base}${path}`, { signal: AbortSignal.timeout(this.#o.timeoutMs), maxBytes: this.#o.maxBytes ?? 4 * 1024 * 1024, headers });
    } catch (err) {
      const kind = err instanceof DepthReadError ? err.kind : 'unreachable';
      throw new DepthReadError(kind, `Prometheus plugin ${this.target.display}${path}: ${scrub(messageOf(err), this.target.secrets)}`, { cause: err });
    }
    return parsePluginQueue(text, vhost, name);
  }
}

/**
 * The queue's rabbitmq_detailed_queue_messages_ready/_unacked/_consumers. A queue the answer does not list is
 * an error, not zero: per-queue metrics are node-local, and the node asked may not host it. Where more than
 * one sample matches (a replica reporting too), the largest counts.
 */
export function parsePluginQueue(text: string, vhost: string, queue: string): PluginQueue {
  const of = (metric: string): number | undefined => {
    const values = samples(text, `rabbitmq_detailed_queue_${metric}`).filter((s) => s.labels.vhost === vhost && s.labels.queue === queue).map((s) => s.value);
    return values.length === 0 ? undefined : Math.max(...values);
  };
  const ready = of('messages_ready');
  const unacked = of('messages_unacked');
  if (ready === undefined || unacked === undefined) {
    throw new DepthReadError('notFound', `Prometheus plugin: no queue_coarse_metrics for queue '${queue}' in vhost '${vhost}' (is the plugin on the node that hosts the queue?)`);
  }
  return { ready, unacked, consumers: of('consumers') };
}
