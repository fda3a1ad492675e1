// Running the module's handler on one delivery: decode, call, the time limit, and what the outcome amounts to.
import type { ConsumeMessage } from 'amqplib';
import { resultKind } from './api.ts';
import type { ConsumeContext, ConsumeFn, RejectResult, RetryResult } from './api.ts';
import { deliveryCountOf, toMessage } from './decode.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { reasonText } from './reason.ts';
import type { Redactor } from './redact.ts';
import type { Outcome } from './routing.ts';

export interface RunDeps {
  readonly consume: ConsumeFn;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly redact: Redactor;
  /** A handler still running after this long is aborted (its context.signal) and its message retried. */
  readonly handlerTimeoutMs: number | undefined;
}

/**
 * The handler runner: without a timeout, the plain call (no per-message cost; the outcome itself when the handler
 * returned without a promise); with one, the bounded call.
 */
export function handlerRunner(deps: RunDeps): (delivery: ConsumeMessage, context: ConsumeContext) => Outcome | Promise<Outcome> {
  const timeoutMs = deps.handlerTimeoutMs;
  if (timeoutMs === undefined) return (delivery, context) => run(deps.consume, delivery, context, deps.redact);
  return (delivery, context) => runBounded(deps, timeoutMs, delivery, context);
}

/**
 * A message whose earlier deliveries kept ending unsettled (the process died or lost its connection while
 * handling it) goes dead without another try: a message that crashes the runtime must not crash-loop the pool.
 * Only quorum queues count these deliveries; classic queues mark a redelivery but do not count it.
 */
export function tooManyRedeliveries(delivery: ConsumeMessage, limit: number): Outcome | undefined {
  const count = deliveryCountOf(delivery.properties.headers);
  if (count < limit) return undefined;
  const reason = `delivered ${count + 1} times; the ${count} before ended unsettled (the consumer died or lost its connection while handling it)`;
  return { kind: 'reject', reason, cause: 'redelivery-limit' };
}

/**
 * The handler with a time limit: at the limit its context.signal aborts and the message is retried (counted).
 * Whatever the handler returns later is ignored, so a late result settles nothing.
 */
function runBounded(deps: RunDeps, timeoutMs: number, delivery: ConsumeMessage, context: ConsumeContext): Promise<Outcome> {
  const log = { messageId: delivery.properties.messageId as unknown };
  return bounded(deps, timeoutMs, context, log, (c) => run(deps.consume, delivery, c, deps.redact), (reason) => ({ kind: 'retry', reason }));
}

/**
 * Runs `call` with a context whose signal also aborts after `timeoutMs`; then resolves with `timedOut(reason)`
 * (counted once, logged with `log`) and ignores whatever `call` returns later.
 */
export async function bounded<T>(
  deps: Pick<RunDeps, 'metrics' | 'logger'>,
  timeoutMs: number,
  context: ConsumeContext,
  log: object,
  call: (context: ConsumeContext) => T | Promise<T>,
  timedOut: (reason: string) => T,
): Promise<T> {
  const limit = new AbortController();
  const boundedContext: ConsumeContext = { ...context, signal: AbortSignal.any([context.signal, limit.signal]) };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      const reason = `the handler did not finish within ${timeoutMs} ms`;
      limit.abort(new Error(reason));
      deps.metrics.handlerTimeouts.inc();
      deps.logger.warn({ ...log, timeoutMs }, 'handler timed out; aborting it and retrying the message');
      resolve(timedOut(reason));
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(boundedContext), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The handler's outcome; a promise only if the handler returned a thenable. */
function run(consume: ConsumeFn, delivery: ConsumeMessage, context: ConsumeContext, redact: Redactor): Outcome | Promise<Outcome> {
  let message;
  try {
    message = toMessage(delivery);
  } catch (err) {
    return { kind: 'reject', reason: redact(reasonText(err)), cause: 'undecodable' };
  }
  let result;
  try {
    result = consume(message, context);
    if (!isThenable(result)) return outcomeOf(result, redact);
  } catch (err) {
    return thrown(err, redact);
  }
  return Promise.resolve(result).then(
    (value) => {
      try {
        return outcomeOf(value, redact);
      } catch (err) {
        return thrown(err, redact);
      }
    },
    (err: unknown) => thrown(err, redact),
  );
}

/** What `await` would wait for: an object or function with a callable `then`. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** What a throw stands for: a retry, with the thrown value as the reason. */
export function thrown(err: unknown, redact: Redactor): Outcome {
  return { kind: 'retry', reason: redact(reasonText(err, err === null ? 'the handler threw null' : 'the handler threw undefined')) };
}

/** What a result value stands for; anything unbranded means ack. */
export function outcomeOf(result: unknown, redact: Redactor): Outcome {
  switch (resultKind(result)) {
    case 'ack':
      return { kind: 'ack' };
    case 'retry':
      return { kind: 'retry', reason: redact(reasonText((result as RetryResult).reason, 'the handler asked for a retry')) };
    case 'reject':
      return { kind: 'reject', reason: redact(reasonText((result as RejectResult).reason, 'rejected by the handler (no reason given)')), cause: 'rejected' };
  }
}
