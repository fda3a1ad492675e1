// Example module "picky": fails some messages, chosen by fields of the JSON body:
//   {"fail": true}          -> throws: retried through the delay cascade, then dead-lettered
//   {"failTimes": n}        -> throws on the first n deliveries, then succeeds
//   {"reject": "why"}       -> reject(): dead-lettered at once
//   anything else           -> acknowledged
import type { ConsumeContext, ConsumeResult, HareMessage } from '@hare-operator/consumer-runtime';

interface PickyBody {
  readonly fail?: boolean;
  readonly failTimes?: number;
  readonly reject?: string;
}

export function consume(message: HareMessage, context: ConsumeContext): ConsumeResult | void {
  const body: PickyBody = typeof message.body === 'object' && message.body !== null && !Buffer.isBuffer(message.body) ? message.body : {};
  if (typeof body.reject === 'string') return context.reject(body.reject);
  if (body.fail === true || (typeof body.failTimes === 'number' && message.retryCount < body.failTimes)) {
    throw new Error(`picky: refusing message ${String(message.properties.messageId)} (delivery ${message.retryCount + 1})`);
  }
  context.logger.info({ messageId: message.properties.messageId, retryCount: message.retryCount }, 'picky: accepted');
}
