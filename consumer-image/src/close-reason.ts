// Why the broker session ended, by kind: the AMQP close code and text, or the socket error, as a metric label.

export type CloseReason =
  | 'connection-forced'
  | 'heartbeat'
  | 'consumer-timeout'
  | 'precondition-failed'
  | 'access-refused'
  | 'not-found'
  | 'resource-error'
  | 'socket'
  | 'other';

export const CLOSE_REASONS: readonly CloseReason[] = [
  'connection-forced', 'heartbeat', 'consumer-timeout', 'precondition-failed', 'access-refused', 'not-found', 'resource-error', 'socket', 'other',
];

/** AMQP reply codes (amqplib puts them on `err.code`). */
const BY_CODE: Readonly<Record<number, CloseReason>> = { 320: 'connection-forced', 403: 'access-refused', 404: 'not-found', 406: 'precondition-failed', 506: 'resource-error' };

/**
 * The kind of a lost session. RabbitMQ closes the channel with 406 PRECONDITION_FAILED "delivery acknowledgement
 * ... timed out" when a delivery stays unacked past consumer_timeout; amqplib reports a lost heartbeat as
 * "Heartbeat timeout"; socket errors carry a string code (ECONNRESET, ...).
 */
export function closeReasonOf(err: unknown): { reason: CloseReason; code: number | string | undefined } {
  const code = (err as { code?: unknown } | undefined)?.code;
  const text = err instanceof Error ? err.message : String(err);
  if (/heartbeat timeout/i.test(text)) return { reason: 'heartbeat', code: typeof code === 'number' || typeof code === 'string' ? code : undefined };
  if (typeof code === 'number') {
    if (code === 406 && /acknowledgement .*timed out|consumer.?timeout/i.test(text)) return { reason: 'consumer-timeout', code };
    return { reason: BY_CODE[code] ?? 'other', code };
  }
  if (typeof code === 'string') return { reason: 'socket', code };
  return { reason: 'other', code: undefined };
}
