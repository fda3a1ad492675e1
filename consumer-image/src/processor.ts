// Handling one delivery: run the module, route the outcome, hand the message on with a confirmed publish,
// and only then settle it. No path acks a message that was not handled or safely handed on.
import type { ConsumeMessage, Options } from 'amqplib';
import type { AckReport } from './acks.ts';
import type { ConsumeContext, ConsumeFn } from './api.ts';
import { sleep } from './backoff.ts';
import { propertiesOf, retryCountOf } from './decode.ts';
import { HAND_ON_ATTEMPTS, HandOnFailures } from './failures.ts';
import { handlerRunner, tooManyRedeliveries } from './handler-run.ts';
import type { Logger } from './logger.ts';
import type { HandlerOutcome, Metrics } from './metrics.ts';
import { PublishError } from './publisher.ts';
import { reasonText } from './reason.ts';
import type { Redactor } from './redact.ts';
import { deadQueueName, republishOptions, routeFor } from './routing.ts';
import type { Outcome, RetryPolicy, Route } from './routing.ts';

/** The channel a delivery came on (acks must go back on it): CoalescingAcks, or a stand-in in tests. */
export interface SettleChannel {
  /** Acks the message, at once or together with others a microtask later, and counts it. */
  ack(message: ConsumeMessage): void;
  /** Nacks this one message now; throws if the channel is closed. */
  nack(message: ConsumeMessage, allUpTo: false, requeue: boolean): void;
}

export interface Republisher {
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void>;
}

export interface ProcessorDeps extends SettlerDeps {
  readonly consume: ConsumeFn;
}

export interface SettlerDeps {
  readonly policy: RetryPolicy;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly redact: Redactor;
  /** Pause before nacking a message whose republish failed, so a broken topology is not a hot loop. */
  readonly requeuePauseMs: number;
  /** Aborted at the drain timeout: unfinished messages are abandoned, never settled afterwards. */
  readonly abandoned: AbortSignal;
  /** A handler still running after this long is aborted (its context.signal) and its message retried. */
  readonly handlerTimeoutMs: number | undefined;
}

/** Handles one delivery; undefined if that finished at once (a handler that returned without a promise, then an ack). */
export type Processor = (delivery: ConsumeMessage, channel: SettleChannel, publisher: Republisher, context: ConsumeContext) => Promise<void> | undefined;

/** Ends one handled delivery where its outcome says: ack (at once: undefined), or a confirmed hand-on then ack; never rejects. */
export type Settler = (delivery: ConsumeMessage, outcome: Outcome, channel: SettleChannel, publisher: Republisher, context: ConsumeContext) => Promise<void> | undefined;

/** The delivery handler; its promise never rejects. `onUnroutable` is told when a republish found no queue. */
export function createProcessor(deps: ProcessorDeps, onUnroutable: () => void = () => undefined): Processor {
  const { metrics } = deps;
  const runHandler = handlerRunner(deps);
  const finish = createSettler(deps, onUnroutable);
  const durations = handlerDurations(metrics);
  const end = (delivery: ConsumeMessage, outcome: Outcome, started: number, channel: SettleChannel, publisher: Republisher, context: ConsumeContext): Promise<void> | undefined => {
    durations[outcome.kind].observe((performance.now() - started) / 1000);
    return finish(delivery, outcome, channel, publisher, context);
  };
  return (delivery, channel, publisher, context) => {
    metrics.received.inc();
    const started = performance.now();
    const outcome = tooManyRedeliveries(delivery, deps.policy.redeliveryLimit) ?? runHandler(delivery, context);
    // a handler that returned without a promise is settled in this call: no promise, no microtask
    if (!(outcome instanceof Promise)) return end(delivery, outcome, started, channel, publisher, context);
    return outcome.then((o) => end(delivery, o, started, channel, publisher, context));
  };
}

/** The handler duration histogram's series, one per outcome. */
export function handlerDurations(metrics: Metrics): Record<HandlerOutcome, { observe(seconds: number): void }> {
  return { ack: metrics.handlerDuration.labels('ack'), retry: metrics.handlerDuration.labels('retry'), reject: metrics.handlerDuration.labels('reject') };
}

/** The per-message end of every delivery, batched or not: the one retry and dead-letter path. */
export function createSettler(deps: SettlerDeps, onUnroutable: () => void = () => undefined): Settler {
  const { metrics, logger } = deps;
  const failures = new HandOnFailures();
  /** Back to the queue; a closed channel is counted and logged (the broker redelivers the message anyway). */
  const nack = (delivery: ConsumeMessage, channel: SettleChannel): void => {
    try {
      channel.nack(delivery, false, true);
    } catch (err) {
      metrics.settleFailed.inc();
      logger.warn({ err, messageId: delivery.properties.messageId as unknown }, 'could not nack (channel closed); the broker will redeliver the message');
    }
  };

  /** Returns a message whose hand-on failed to the queue after a pause (a broken topology must not be a hot loop). */
  const requeue = async (delivery: ConsumeMessage, channel: SettleChannel, err: unknown, log: object): Promise<void> => {
    metrics.requeued.inc();
    logger.error({ ...log, err }, 'could not hand the message on; returning it to the queue');
    if (err instanceof PublishError && err.unroutable) onUnroutable();
    await sleep(deps.requeuePauseMs);
    nack(delivery, channel);
  };

  /**
   * Republishes (confirmed) to the delay or dead queue, then acks. A failed hand-on nacks the message back;
   * the HAND_ON_ATTEMPTS-th failure of the same message sends it to the dead queue instead, with the cause, and
   * with headers too large to re-encode trimmed. Nothing is dropped: if even that fails, it is nacked back.
   */
  const handOn = async (delivery: ConsumeMessage, channel: SettleChannel, publisher: Republisher, route: HandOn, reason: string): Promise<void> => {
    const headers = delivery.properties.headers ?? {};
    const log = { messageId: delivery.properties.messageId as unknown, retryCount: retryCountOf(headers), to: route.queue, reason };
    let failure = await publishCopy(publisher, delivery, route, false);
    if (failure !== undefined) {
      const attempts = failures.record(delivery);
      if (attempts < HAND_ON_ATTEMPTS) return requeue(delivery, channel, failure.err, log);
      const text = `could not hand the message on to ${route.queue} ${attempts} times: ${deps.redact(reasonText(failure.err))}`;
      route = { action: 'dead', queue: deadQueueName(deps.policy.queue), retryCount: retryCountOf(headers), cause: 'republish-failed', reason: text };
      failure = await publishCopy(publisher, delivery, route, false);
      if (failure !== undefined && !(failure.err instanceof PublishError)) failure = await publishCopy(publisher, delivery, route, true);
      if (failure !== undefined) return requeue(delivery, channel, failure.err, { ...log, to: route.queue });
    }
    failures.forget(delivery);
    if (route.action === 'delay') metrics.retried.inc();
    else metrics.deadLettered.inc({ cause: route.cause });
    logger.warn(log, route.action === 'delay' ? `handler failed; retry in ${route.delayMs} ms` : `message dead-lettered: ${route.reason}`);
    channel.ack(delivery);
  };

  return (delivery, outcome, channel, publisher, context) => {
    // abandoned at the drain timeout, or orphaned by a lost session: the broker redelivers it
    if (deps.abandoned.aborted || context.signal.aborted) return undefined;
    if (outcome.kind === 'ack') {
      failures.forget(delivery);
      channel.ack(delivery);
      return undefined;
    }
    const route = routeFor(outcome, retryCountOf(delivery.properties.headers), deps.policy) as HandOn;
    return handOn(delivery, channel, publisher, route, route.action === 'dead' ? route.reason : outcome.reason);
  };
}

type HandOn = Exclude<Route, { action: 'ack' }>;

/** Counts the acks CoalescingAcks sent, and the ones it could not send (logged, one line per message). */
export function ackReport(metrics: Metrics, logger: Logger): AckReport {
  return {
    acked: (count) => metrics.acked.inc(count),
    failed: (deliveries, err) => {
      metrics.settleFailed.inc(deliveries.length);
      for (const delivery of deliveries) {
        logger.warn({ err, messageId: delivery.properties.messageId as unknown }, 'could not ack (channel closed); the broker will redeliver the message');
      }
    },
  };
}

/** The confirmed republish of a copy; resolves with the failure (an encoding error, a nack, ...) if there was one. */
async function publishCopy(publisher: Republisher, delivery: ConsumeMessage, route: HandOn, trim: boolean): Promise<{ err: unknown } | undefined> {
  try {
    await publisher.publish('', route.queue, delivery.content, republishOptions(propertiesOf(delivery.properties), delivery.properties.headers ?? {}, route, delivery.fields, trim));
    return undefined;
  } catch (err) {
    return { err };
  }
}
