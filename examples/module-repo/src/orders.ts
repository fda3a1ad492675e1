// Module "orders": checks an order, publishes orders.accepted (confirmed) and lets the runtime ack it.
// A negative total can never succeed: dead-lettered at once. A missing id is retried (a producer bug may be fixed).
import type { ConsumeContext, ConsumeResult, HareMessage } from '@hare-operator/consumer-runtime';

export interface Order {
  readonly id?: string;
  readonly total?: number;
}

export async function consume(message: HareMessage<Order>, context: ConsumeContext): Promise<ConsumeResult | void> {
  const order = message.body;
  if (typeof order.total !== 'number' || order.total < 0) return context.reject(`order ${order.id ?? '?'}: invalid total ${String(order.total)}`);
  if (order.id === undefined) throw new Error('order without id');
  await context.publish('shop', 'orders.accepted', { id: order.id, total: order.total }, { messageId: order.id });
  context.logger.info({ id: order.id }, 'order accepted');
}
