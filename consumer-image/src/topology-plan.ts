// HareMq-compatible topology as a pure plan of exchanges, queues and bindings: the operator declares it for a pool,
// and the runtime declares it again as a check. Shared by both, so the two can never disagree on an argument.
export const delayQueueName = (queue: string, delayMs: number): string => `${queue}.delay.${delayMs}`;
export const deadQueueName = (queue: string): string => `${queue}.dead`;

/** The distinct delays, one delay queue each. */
export function delayQueueDelays(delaysMs: readonly number[]): number[] {
  return [...new Set(delaysMs)].sort((a, b) => a - b);
}

export interface TopologyInput {
  readonly queue: string;
  readonly exchange: string | undefined;
  readonly routingKey: string;
  readonly queueType: 'classic' | 'quorum';
  readonly retryDelaysMs: readonly number[];
}

export interface QueueDeclaration {
  readonly name: string;
  readonly arguments: Readonly<Record<string, string | number>>;
}

export interface TopologyPlan {
  /** Durable topic exchanges. */
  readonly exchanges: readonly string[];
  /** Durable queues. */
  readonly queues: readonly QueueDeclaration[];
  readonly exchangeBindings: readonly { destination: string; source: string; routingKey: string }[];
  readonly queueBindings: readonly { queue: string; source: string; routingKey: string }[];
}

/**
 * The plan, as HareMq lays it out: exchange X -> exchange <queue> -> queue <queue> (routing key RK);
 * <queue>.delay.<ms> dead-letter back to exchange <queue> with RK; <queue>.dead is terminal and, unlike
 * HareMq's, has no TTL, so dead messages are never dropped silently.
 */
export function topologyPlan(input: TopologyInput): TopologyPlan {
  const { queue, exchange, routingKey } = input;
  const quorum = input.queueType === 'quorum';
  // explicit for classic too: a vhost whose default queue type is quorum must not change them silently
  const typeArgs: Record<string, string> = { 'x-queue-type': input.queueType };
  // quorum dead-lettering is at-most-once unless asked otherwise; at-least-once needs reject-publish
  const dlxSafety: Record<string, string> = quorum ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } : {};
  const delays = delayQueueDelays(input.retryDelaysMs).map((ms) => ({
    name: delayQueueName(queue, ms),
    arguments: { ...typeArgs, ...dlxSafety, 'x-dead-letter-exchange': queue, 'x-dead-letter-routing-key': routingKey, 'x-message-ttl': ms },
  }));
  return {
    exchanges: exchange === undefined || exchange === queue ? [queue] : [exchange, queue],
    queues: [{ name: queue, arguments: typeArgs }, ...delays, { name: deadQueueName(queue), arguments: typeArgs }],
    exchangeBindings: exchange === undefined || exchange === queue ? [] : [{ destination: queue, source: exchange, routingKey }],
    queueBindings: [{ queue, source: queue, routingKey }],
  };
}
