// The API a consumer module sees: the message, the context and the result helpers (self-contained, no imports).
//
// A module exports `consume(message, context)`:
//   - return normally (or resolve)          -> the message is acknowledged;
//   - throw (or reject), or return retry()  -> it is retried through <queue>.delay.<ms>, then dead-lettered;
//   - return reject(reason)                 -> it goes to <queue>.dead at once.
// Or `consumeBatch(messages, context)` (with spec.queue.batch): one such result for all messages, or an array of
// them, one per message in order; a throw retries them all.

/** AMQP basic properties of a delivered message (only the ones that were set). */
export interface MessageProperties {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly replyTo?: string;
  readonly type?: string;
  readonly appId?: string;
  readonly userId?: string;
  /** Seconds since the epoch, as AMQP carries it. */
  readonly timestamp?: number;
  readonly priority?: number;
  readonly deliveryMode?: number;
  readonly expiration?: string;
}

/** A delivered message. `body` is the parsed JSON for a JSON content type, else the raw bytes. */
export interface HareMessage<Body = unknown> {
  readonly body: Body;
  /** The raw bytes, whatever the content type. */
  readonly content: Buffer;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly properties: MessageProperties;
  /** Retries so far: 0 on the first delivery (the `retry_count` header, HareMq's name). */
  readonly retryCount: number;
  /** The broker redelivered it (a consumer before this one did not acknowledge it). */
  readonly redelivered: boolean;
  readonly exchange: string;
  readonly routingKey: string;
}

/** Options of context.publish. */
export interface PublishOptions {
  readonly contentType?: string;
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly type?: string;
  /** Default true (delivery mode 2). */
  readonly persistent?: boolean;
  /** Default true: a message no queue is bound for rejects the publish. False: the broker drops it silently. */
  readonly mandatory?: boolean;
}

/** Structured logger (pino-compatible) already bound to pod, pool, queue and module. */
export interface ModuleLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** What a module's optional `init(context)` hook gets, once, before the first message. */
export interface InitContext {
  readonly queue: string;
  readonly module: string;
  readonly podName: string;
  readonly pool: string | undefined;
  readonly logger: ModuleLogger;
}

/**
 * Optional hooks a module may export beside `consume`, for its own resources (database pools, clients):
 * `init` before consuming starts (a throw stops the process, exit code 1), `close` after the drain (a throw is
 * logged and the exit code is 1). Each is called at most once; a forced exit (second SIGTERM) skips `close`.
 */
export interface ModuleHooks {
  init?(context: InitContext): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** What the runtime passes beside each message. */
export interface ConsumeContext {
  readonly queue: string;
  readonly module: string;
  readonly podName: string;
  readonly pool: string | undefined;
  readonly logger: ModuleLogger;
  /**
   * Aborted when this handler should stop: at the handler timeout (the message is retried), at the drain timeout
   * or when the broker connection is lost (the broker redelivers it). Whatever the handler returns afterwards is ignored.
   */
  readonly signal: AbortSignal;
  /**
   * Publishes with publisher confirms and (unless `options.mandatory` is false) `mandatory`: resolves once the
   * broker has taken the message, rejects if it was nacked, unroutable or its channel closed. Each publish has a
   * channel to itself, so one failing publish fails no other. A failure is also logged, and a publish the handler
   * does not await never crashes the process. An object body is sent as JSON.
   */
  publish(exchange: string, routingKey: string, body: Buffer | string | object, options?: PublishOptions): Promise<void>;
  /** Same as the exported retry(). */
  retry(reason?: unknown): RetryResult;
  /** Same as the exported reject(). */
  reject(reason?: unknown): RejectResult;
}

/** Brand of result values; Symbol.for so that two copies of this file agree. */
export const RESULT_BRAND: unique symbol = Symbol.for('hare-operator.consume-result');

/** `reason` may be any value (an Error, an object): the runtime turns it into a readable string. */
export interface RetryResult {
  readonly [RESULT_BRAND]: 'retry';
  readonly reason: unknown;
}

export interface RejectResult {
  readonly [RESULT_BRAND]: 'reject';
  readonly reason: unknown;
}

export type ConsumeResult = RetryResult | RejectResult;

/** The function a module exports as `consume`. */
export type ConsumeFn<Body = unknown> = (
  message: HareMessage<Body>,
  context: ConsumeContext,
) => ConsumeResult | void | Promise<ConsumeResult | void>;

/** What a message's entry in a batch result may be: a result, or anything else (undefined, true, ...) for ack. */
export type BatchItemResult = ConsumeResult | void | undefined | null | boolean;

/**
 * What `consumeBatch` returns: one result for every message of the batch, or an array with one entry per message,
 * in the order of `messages` (e.g. `messages.map(...)`). An array of another length retries the batch.
 */
export type BatchResult = ConsumeResult | void | readonly BatchItemResult[];

/** The function a module exports as `consumeBatch` (instead of `consume`): the messages of one batch, oldest first. */
export type ConsumeBatchFn<Body = unknown> = (
  messages: readonly HareMessage<Body>[],
  context: ConsumeContext,
) => BatchResult | Promise<BatchResult>;

/** Retry later through the delay cascade (the same as throwing). */
export function retry(reason?: unknown): RetryResult {
  return { [RESULT_BRAND]: 'retry', reason };
}

/** Dead-letter now: the message goes to <queue>.dead without further retries. */
export function reject(reason?: unknown): RejectResult {
  return { [RESULT_BRAND]: 'reject', reason };
}

/** The result a handler's return value stands for; anything unbranded means ack. */
export function resultKind(value: unknown): 'ack' | 'retry' | 'reject' {
  if (typeof value !== 'object' || value === null || !(RESULT_BRAND in value)) return 'ack';
  const kind = (value)[RESULT_BRAND];
  return kind === 'retry' || kind === 'reject' ? kind : 'ack';
}
