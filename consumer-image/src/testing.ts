// The test kit for consumer modules (`@hare-operator/consumer-runtime/testing`): fake messages and context, and
// runConsume, which runs consume() and maps its outcome with the runtime's own code (decode, handler run, routing).
import type { ConsumeMessage } from 'amqplib';
import type { ConsumeContext, ConsumeFn, HareMessage, MessageProperties } from './api.ts';
import { parseConfig } from './config.ts';
import { createContext, encode } from './context.ts';
import { ENV, RETRY_HEADER } from './contract.ts';
import { retryCountOf, toMessage } from './decode.ts';
import { handlerRunner, tooManyRedeliveries } from './handler-run.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { routeFor, type Route } from './routing.ts';
import { recordingLogger, recordingPublisher, type LogEntry, type PublishHook, type Published } from './testing-record.ts';

export type { LogEntry, PublishHook, Published } from './testing-record.ts';
export type { Route } from './routing.ts';

/** A message as a test describes it. A body object is sent as JSON, a string as text, a Buffer as is (as context.publish encodes). */
export interface TestMessageInit {
  readonly body?: Buffer | string | object;
  readonly headers?: Readonly<Record<string, unknown>>;
  /** Overrides the content type the body implies (e.g. application/json on a malformed body). */
  readonly properties?: MessageProperties;
  /** The retries so far (the `retry_count` header). */
  readonly retryCount?: number;
  readonly redelivered?: boolean;
  readonly exchange?: string;
  readonly routingKey?: string;
}

export interface TestContextOptions {
  readonly queue?: string;
  readonly module?: string;
  readonly podName?: string;
  readonly pool?: string;
  readonly signal?: AbortSignal;
  /** Called for each context.publish; throw (or reject) to fail that publish as a nack or an unroutable message would. */
  readonly onPublish?: PublishHook;
}

/** The context a pod would pass, with what the handler published and logged. */
export interface TestContext extends ConsumeContext {
  readonly published: Published[];
  readonly logs: LogEntry[];
}

/** The pool settings that change where a failed message goes (as spec.queue.retry and handlerTimeoutSeconds). */
export interface RunOptions {
  readonly context?: TestContext;
  readonly retryLimit?: number;
  readonly retryDelaysMs?: readonly number[];
  readonly handlerTimeoutSeconds?: number;
}

/** What the runtime would do with the message, and what the handler published and logged on the way. */
export interface ConsumeReport {
  readonly outcome: 'ack' | 'retry' | 'reject';
  /** The reason as the runtime words it (the retry log line, `x-hare-dead-reason`); undefined for ack. */
  readonly reason: string | undefined;
  /** Next stop: ack, a delay queue (`retryCount` = the copy's count) or the dead queue (with its cause). */
  readonly route: Route;
  readonly published: readonly Published[];
  readonly logs: readonly LogEntry[];
}

/** The delivery a broker would hand the runtime for this message. */
export function testDelivery(init: TestMessageInit = {}): ConsumeMessage {
  const { content, contentType } = encode(init.body ?? Buffer.alloc(0));
  const headers = { ...init.headers, ...(init.retryCount === undefined ? {} : { [RETRY_HEADER]: init.retryCount }) };
  const fields = { deliveryTag: 1, redelivered: init.redelivered ?? false, exchange: init.exchange ?? '', routingKey: init.routingKey ?? 'test', consumerTag: 'test' };
  return { content, fields, properties: { contentType, headers, ...init.properties } } as ConsumeMessage;
}

/** The message consume() would get, decoded by the runtime's own decoder (throws for a malformed JSON body). */
export function testMessage<Body = unknown>(init: TestMessageInit = {}): HareMessage<Body> {
  return toMessage(testDelivery(init)) as HareMessage<Body>;
}

export function testContext(options: TestContextOptions = {}): TestContext {
  const { logger, logs } = recordingLogger();
  const { publisher, published } = recordingPublisher(options.onPublish);
  const info = {
    queue: options.queue ?? 'test',
    module: options.module ?? 'test',
    podName: options.podName ?? 'test-pod',
    pool: options.pool,
    logger: logger.child({ source: 'module' }),
    signal: options.signal ?? new AbortController().signal,
  };
  return Object.assign(createContext(info, publisher), { published, logs });
}

let metrics: Metrics | undefined;

/** Runs consume() on the message as the runtime's processor does and says where the message would go. */
export async function runConsume<Body>(consume: ConsumeFn<Body>, init: TestMessageInit = {}, options: RunOptions = {}): Promise<ConsumeReport> {
  const context = options.context ?? testContext();
  const env = {
    [ENV.module]: context.module,
    [ENV.brokerUri]: 'amqp://localhost',
    [ENV.queue]: context.queue,
    [ENV.retryLimit]: options.retryLimit?.toString(),
    [ENV.retryDelaysMs]: options.retryDelaysMs?.join(','),
    [ENV.handlerTimeoutSeconds]: options.handlerTimeoutSeconds?.toString(),
  };
  const parsed = parseConfig(env, context.podName);
  if (!parsed.ok) throw new TypeError(`runConsume: ${parsed.errors.join('; ')}`);
  const { config } = parsed;
  metrics ??= createMetrics({});
  const { logger, logs } = recordingLogger();
  const run = handlerRunner({ consume: consume as ConsumeFn, metrics, logger, redact: (text) => text, handlerTimeoutMs: config.handlerTimeoutMs });
  const delivery = testDelivery(init);
  const outcome = tooManyRedeliveries(delivery, config.redeliveryLimit) ?? await run(delivery, context);
  const route = routeFor(outcome, retryCountOf(delivery.properties.headers), config);
  const reason = outcome.kind === 'ack' ? undefined : route.action === 'dead' ? route.reason : outcome.reason;
  return { outcome: outcome.kind, reason, route, published: [...context.published], logs: [...context.logs, ...logs] };
}
