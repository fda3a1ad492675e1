// The pod contract between the operator and the consumer runtime: env names, the HTTP port and its paths.
// The operator's pod builder writes exactly these; the runtime's config reader reads exactly these.

/** Environment variables the operator sets on every consumer container. */
export const ENV = {
  /** Consumer module to load (spec.module). */
  module: 'HARE_MODULE',
  /** AMQP URI, from the Secret named by spec.broker.uriSecretRef (secretKeyRef, never a literal). */
  brokerUri: 'HARE_BROKER_URI',
  queue: 'HARE_QUEUE',
  /** Optional; absent when the pool names no exchange. */
  exchange: 'HARE_EXCHANGE',
  routingKey: 'HARE_ROUTING_KEY',
  prefetch: 'HARE_PREFETCH',
  /** classic | quorum */
  queueType: 'HARE_QUEUE_TYPE',
  /** operator (the runtime declares the topology again, as a check) | none (it only checks that the queues exist). */
  declare: 'HARE_DECLARE',
  retryLimit: 'HARE_RETRY_LIMIT',
  /** Comma-separated milliseconds, e.g. "1000,5000,30000". */
  retryDelaysMs: 'HARE_RETRY_DELAYS_MS',
  drainTimeoutSeconds: 'HARE_DRAIN_TIMEOUT_SECONDS',
  /** spec.queue.handlerTimeoutSeconds; optional (unset or 0: handlers run as long as they take). */
  handlerTimeoutSeconds: 'HARE_HANDLER_TIMEOUT_SECONDS',
  /** spec.queue.batch.size; optional: set for a module that exports consumeBatch (at most the prefetch). */
  batchSize: 'HARE_BATCH_SIZE',
  /** spec.queue.batch.maxWaitMs: longest a batch waits for more messages after its first one. */
  batchMaxWaitMs: 'HARE_BATCH_MAX_WAIT_MS',
  /** Downward API metadata.name; also the AMQP connection name. */
  podName: 'HARE_POD_NAME',
  /** Downward API metadata.namespace. */
  podNamespace: 'HARE_POD_NAMESPACE',
  pool: 'HARE_POOL',
  httpPort: 'HARE_HTTP_PORT',
  /** With spec.broker.tls: the CA file that verifies an amqps:// broker, and the client certificate and key (SASL EXTERNAL). */
  tlsCaFile: 'HARE_TLS_CA_FILE',
  tlsCertFile: 'HARE_TLS_CERT_FILE',
  tlsKeyFile: 'HARE_TLS_KEY_FILE',
  /** Folder the runtime loads modules from (default /app/modules); set by images, not by the operator. */
  modulesDir: 'HARE_MODULES_DIR',
  /** pino log level; optional. */
  logLevel: 'HARE_LOG_LEVEL',
  /** Unsettled deliveries (quorum queues' x-delivery-count) before a message goes dead; set by images, not by the operator. */
  redeliveryLimit: 'HARE_REDELIVERY_LIMIT',
  /** Where the runtime writes why it stopped (default TERMINATION_LOG); set by tests, not by the operator. */
  terminationLog: 'HARE_TERMINATION_LOG',
} as const;

/**
 * The kubelet's terminationMessagePath: what the runtime writes there before a fatal exit becomes
 * lastState.terminated.message of the container, which the operator shows in the pool's Ready condition.
 */
export const TERMINATION_LOG = '/dev/termination-log';

/** The container port, named `http` in the pod. */
export const HTTP_PORT = 8080;
export const HTTP_PORT_NAME = 'http';

/** Paths served on the http port. */
export const PATHS = {
  /** Liveness: the process and its event loop are alive. */
  healthz: '/healthz',
  /** Readiness: consuming. False from the moment a drain starts. */
  readyz: '/readyz',
  /** Prometheus metrics. */
  metrics: '/metrics',
  /** GET (the kubelet's preStop httpGet) or POST: starts a drain and returns when it has finished or timed out. */
  drain: '/drain',
} as const;

/** The gauge on /metrics the operator reads from each ready pod: messages delivered to it and not settled yet. */
export const IN_FLIGHT_METRIC = 'hare_consumer_messages_in_flight';
/** The counter of settled messages on /metrics: the operator's per-pod completion rate (wait-time sizing without the management API). */
export const ACKED_METRIC = 'hare_consumer_messages_acked_total';

/** Seconds added to drain.timeoutSeconds for terminationGracePeriodSeconds (close, exit, kubelet latency). */
export const GRACE_MARGIN_SECONDS = 15;

/** Message header carrying the retry count (HareMq's name). */
export const RETRY_HEADER = 'retry_count';

/** Set on republished copies: where the message was first published (a retry arrives from the delay queue). */
export const ORIGIN_HEADERS = { exchange: 'x-hare-original-exchange', routingKey: 'x-hare-original-routing-key' } as const;

/** Set on messages the runtime dead-letters: why (retry-limit, rejected, ...), in words, and headers it dropped. */
export const DEAD_HEADERS = { cause: 'x-hare-dead-cause', reason: 'x-hare-dead-reason', trimmed: 'x-hare-trimmed-headers' } as const;

/** Set on the copies a dead-letter replay puts back on the queue: the request that moved them. */
export const REPLAY_HEADER = 'x-hare-replay';

/** Set by quorum queues on a redelivery: deliveries that ended unsettled (process died, connection lost). */
export const DELIVERY_COUNT_HEADER = 'x-delivery-count';

/** Set by RabbitMQ 4 quorum queues: times the message was acquired by a consumer before (requeues included). */
export const ACQUIRED_COUNT_HEADER = 'x-acquired-count';
