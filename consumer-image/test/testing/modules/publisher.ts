// Test fixture module: a message with {"publish": true} publishes (awaited) before it is acked; others are acked at once.
import type { ConsumeContext, HareMessage } from '../../../src/api.ts';

export async function consume(message: HareMessage, context: ConsumeContext): Promise<void> {
  const body = message.body as { id?: string; publish?: boolean };
  context.logger.info({ id: body.id }, 'publisher: handling');
  if (body.publish === true) await context.publish('', `${context.queue}.out`, { from: body.id });
}
