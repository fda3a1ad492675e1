// Retry routing math: where a handled message goes (ack, a delay queue, the dead queue) and with which properties.
import type { Options } from 'amqplib';
import type { MessageProperties } from './api.ts';
import { ACQUIRED_COUNT_HEADER, DEAD_HEADERS, DELIVERY_COUNT_HEADER, ORIGIN_HEADERS, RETRY_HEADER } from './contract.ts';
import { deadQueueName, delayQueueName } from './topology-plan.ts';

export { deadQueueName, delayQueueDelays, delayQueueName } from './topology-plan.ts';
export { DEAD_HEADERS } from './contract.ts';

/** What the handler's run amounted to. */
export type Outcome =
  | { readonly kind: 'ack' }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'reject'; readonly reason: string; readonly cause: 'rejected' | 'undecodable' | 'redelivery-limit' };

export type DeadCause = 'rejected' | 'undecodable' | 'redelivery-limit' | 'retry-limit' | 'republish-failed';

/** Where the message goes next. Republished copies carry `retryCount` in the retry header. */
export type Route =
  | { readonly action: 'ack' }
  | { readonly action: 'delay'; readonly queue: string; readonly delayMs: number; readonly retryCount: number }
  | { readonly action: 'dead'; readonly queue: string; readonly retryCount: number; readonly cause: DeadCause; readonly reason: string };

export interface RetryPolicy {
  readonly queue: string;
  readonly retryLimit: number;
  /** Sorted ascending, non-empty. */
  readonly retryDelaysMs: readonly number[];
  /** Deliveries that ended unsettled (x-delivery-count) before a message goes dead without running the handler. */
  readonly redeliveryLimit: number;
}

const MAX_REASON_LENGTH = 1000;
/** Trimmed copies keep only headers up to this size (amqplib encodes at most 64 KiB of headers). */
const MAX_KEPT_HEADER_BYTES = 4096;


/** The delay before retry number retryCount+1: HareMq's cascade, the last value repeating. */
export function delayFor(retryCount: number, delaysMs: readonly number[]): number {
  const last = delaysMs.length - 1;
  if (last < 0) throw new RangeError('retry delays must not be empty');
  return delaysMs[Math.min(Math.max(retryCount, 0), last)]!;
}


/** Routes an outcome: a message delivered retryLimit+1 times and failing again goes to the dead queue. */
export function routeFor(outcome: Outcome, retryCount: number, policy: RetryPolicy): Route {
  switch (outcome.kind) {
    case 'ack':
      return { action: 'ack' };
    case 'reject':
      return { action: 'dead', queue: deadQueueName(policy.queue), retryCount, cause: outcome.cause, reason: outcome.reason };
    case 'retry': {
      if (retryCount >= policy.retryLimit) {
        const reason = `retry limit ${policy.retryLimit} reached: ${outcome.reason}`;
        return { action: 'dead', queue: deadQueueName(policy.queue), retryCount, cause: 'retry-limit', reason };
      }
      const delayMs = delayFor(retryCount, policy.retryDelaysMs);
      return { action: 'delay', queue: delayQueueName(policy.queue, delayMs), delayMs, retryCount: retryCount + 1 };
    }
  }
}

/**
 * Publish options for the republished copy: the original properties and headers, the new retry count, the
 * exchange and routing key it was first published with, persistent. Dropped: expiration (a per-message TTL would silently drop it from the dead queue),
 * user-id (the broker refuses a user-id that is not the publishing connection's user) and the quorum
 * queue's x-delivery-count and x-acquired-count (they count deliveries of the original, not of the copy).
 */
export function republishOptions(
  props: MessageProperties,
  headers: Readonly<Record<string, unknown>>,
  route: Exclude<Route, { action: 'ack' }>,
  origin: { readonly exchange: string; readonly routingKey: string },
  trim = false,
): Options.Publish {
  const { [DELIVERY_COUNT_HEADER]: _deliveries, [ACQUIRED_COUNT_HEADER]: _acquired, ...rest } = headers;
  const out: Record<string, unknown> = {
    [ORIGIN_HEADERS.exchange]: origin.exchange,
    [ORIGIN_HEADERS.routingKey]: origin.routingKey,
    ...rest, // the first copy's origin stays
    [RETRY_HEADER]: route.retryCount,
  };
  if (trim) {
    const dropped = Object.keys(out).filter((name) => approximateBytes(out[name]) > MAX_KEPT_HEADER_BYTES);
    for (const name of dropped) delete out[name];
    if (dropped.length > 0) out[DEAD_HEADERS.trimmed] = dropped.join(',');
  }
  if (route.action === 'dead') {
    out[DEAD_HEADERS.cause] = route.cause;
    out[DEAD_HEADERS.reason] = route.reason.slice(0, MAX_REASON_LENGTH);
  }
  const { expiration: _expiration, userId: _userId, deliveryMode: _mode, ...kept } = props;
  return { ...kept, headers: out, persistent: true };
}

/** Bytes a header value takes, roughly (only for trimming; never throws). */
function approximateBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  if (typeof value !== 'object' || value === null) return 8;
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Infinity;
  }
}
