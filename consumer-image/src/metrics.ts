// Prometheus metrics of the runtime (prom-client, own registry); label values never carry credentials.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ACKED_METRIC, IN_FLIGHT_METRIC } from './contract.ts';
import { LeanHistogram } from './histogram.ts';

export type HandlerOutcome = 'ack' | 'retry' | 'reject';

export interface Metrics {
  readonly registry: Registry;
  readonly received: Counter;
  readonly acked: Counter;
  readonly retried: Counter;
  readonly deadLettered: Counter<'cause'>;
  /** Republish failed: the original was nacked back to the queue (nothing lost, it comes again). */
  readonly requeued: Counter;
  /** An ack or nack could not be sent (channel gone): the broker redelivers the message. */
  readonly settleFailed: Counter;
  /** Per message, so the lean implementation (prom-client's hashes labels on every observe). */
  readonly handlerDuration: LeanHistogram<HandlerOutcome>;
  readonly connected: Gauge;
  readonly ready: Gauge;
  readonly reconnects: Counter;
  /** Lost sessions by the broker's (or the socket's) reason. */
  readonly brokerCloses: Counter<'reason'>;
  readonly topologyErrors: Counter;
  readonly drains: Counter;
  readonly drainDuration: Histogram;
  readonly drainAbandoned: Counter;
  /** Handlers stopped at the handler timeout (their messages are retried). */
  readonly handlerTimeouts: Counter;
}

/**
 * Creates the metrics in a fresh registry; labels namespace/pool/queue/module apply to every series (namespace and
 * pool apart, as the operator's). The in-flight gauge reads `inFlight` when scraped, not on every message.
 */
export function createMetrics(labels: Readonly<Record<string, string>>, inFlight: () => number = () => 0): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
    new Counter({ name: `hare_consumer_${name}`, help, labelNames, registers });
  // registered only: it reads the count when scraped
  new Gauge({
    name: IN_FLIGHT_METRIC,
    help: 'Messages delivered to this consumer and not settled yet; the operator reads it for autoscaling.',
    registers,
    collect() {
      this.set(inFlight());
    },
  });
  return {
    registry,
    received: counter('messages_received_total', 'Messages delivered to this consumer.'),
    acked: new Counter({ name: ACKED_METRIC, help: 'Messages acknowledged after being handled or safely handed on; the operator reads it for its rates.', registers }),
    retried: counter('messages_retried_total', 'Messages republished (confirmed) to a delay queue.'),
    deadLettered: counter('messages_dead_lettered_total', 'Messages republished (confirmed) to the dead queue.', ['cause']),
    requeued: counter('messages_requeued_total', 'Messages nacked back to the queue because the republish failed.'),
    settleFailed: counter('settle_failures_total', 'Acks or nacks that could not be sent; the broker redelivers those messages.'),
    handlerDuration: new LeanHistogram(
      {
        name: 'hare_consumer_handler_duration_seconds',
        help: 'Time spent in the module handler, by outcome.',
        label: 'outcome',
        values: ['ack', 'retry', 'reject'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      },
      registry,
    ),
    connected: new Gauge({ name: 'hare_consumer_connected', help: '1 while connected to the broker.', registers }),
    ready: new Gauge({ name: 'hare_consumer_ready', help: '1 while consuming and not draining.', registers }),
    reconnects: counter('reconnects_total', 'Reconnect attempts scheduled after a broker or network failure.'),
    brokerCloses: counter('broker_closes_total', 'Lost broker sessions by reason (connection-forced, heartbeat, consumer-timeout, precondition-failed, ...).', ['reason']),
    topologyErrors: counter('topology_errors_total', 'Declarations the broker refused (e.g. inequivalent queue arguments).'),
    drains: counter('drains_total', 'Drains started (preStop /drain or SIGTERM).'),
    drainDuration: new Histogram({
      name: 'hare_consumer_drain_duration_seconds',
      help: 'Time from drain start to the consumer being closed.',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    handlerTimeouts: counter('handler_timeouts_total', 'Handlers still running at the handler timeout: aborted, their messages retried.'),
    drainAbandoned: counter('drain_abandoned_messages_total', 'Messages still unfinished at the drain timeout, left to broker redelivery.'),
  };
}
