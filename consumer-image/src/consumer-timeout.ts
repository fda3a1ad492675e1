// The per-consumer delivery acknowledgement timeout (x-consumer-timeout), for brokers that take it (RabbitMQ 3.12+).

/** Time past the handler timeout for the hand-on (confirmed republish) and its pause before a requeue. */
export const CONSUMER_TIMEOUT_MARGIN_MS = 60_000;

/**
 * basic.consume arguments. RabbitMQ closes a channel whose delivery stays unacked past consumer_timeout (30 minutes
 * by default), redelivering every other message on it. With a handler timeout, the runtime never holds a message
 * longer than that timeout plus the hand-on, so it asks for exactly that on brokers that support the argument;
 * older ones keep their server-wide setting (see the README).
 */
export function consumerArguments(serverVersion: unknown, handlerTimeoutMs: number | undefined): Record<string, number> {
  if (handlerTimeoutMs === undefined || !atLeast(serverVersion, 3, 12)) return {};
  return { 'x-consumer-timeout': handlerTimeoutMs + CONSUMER_TIMEOUT_MARGIN_MS };
}

/** True for a RabbitMQ version string (e.g. "3.12.4", "4.1.0-rc.1") at or above major.minor. */
function atLeast(version: unknown, major: number, minor: number): boolean {
  const text = Buffer.isBuffer(version) ? version.toString('utf8') : version;
  const m = typeof text === 'string' ? /^(\d+)\.(\d+)/.exec(text) : null;
  if (m === null) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}
