// Example module "hello": acknowledges every message and logs what it saw.
import type { ConsumeContext, HareMessage } from '@hare-operator/consumer-runtime';

export function consume(message: HareMessage, context: ConsumeContext): void {
  context.logger.info(
    {
      messageId: message.properties.messageId,
      retryCount: message.retryCount,
      body: Buffer.isBuffer(message.body) ? `${message.body.length} bytes` : message.body,
    },
    'hello: processed a message',
  );
}
