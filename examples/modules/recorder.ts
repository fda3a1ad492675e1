// Example module "recorder": for every message it finishes, publishes a record to the queue
// <queue>.processed with publisher confirms, before returning (so before the runtime acks).
// Tests compare published and recorded ids: a drained pod leaves exactly one record per message;
// a record with redelivered=true means the broker delivered that message again.
// The <queue>.processed queue must exist (declare it, durable); if it does not, the record is
// unroutable, the publish fails and the message is retried, never silently acked.
// JSON body fields: "id" (else the message-id property is used), "sleepMs" (simulated work).
import type { ConsumeContext, HareMessage } from '@hare-operator/consumer-runtime';

/** What the recorder publishes for each finished message (JSON, message-id = the recorded id). */
export interface ProcessedRecord {
  readonly id: string;
  readonly queue: string;
  readonly pod: string;
  readonly retryCount: number;
  readonly redelivered: boolean;
  /** Milliseconds since the epoch, when the work finished. */
  readonly at: number;
}

interface RecorderBody {
  readonly id?: string;
  readonly sleepMs?: number;
}

export async function consume(message: HareMessage, context: ConsumeContext): Promise<void> {
  const body: RecorderBody = typeof message.body === 'object' && message.body !== null && !Buffer.isBuffer(message.body) ? message.body : {};
  if (typeof body.sleepMs === 'number' && body.sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, body.sleepMs));
  const id = body.id ?? message.properties.messageId;
  if (id === undefined) return context.logger.warn('recorder: message without id or message-id; nothing recorded');
  const record: ProcessedRecord = {
    id,
    queue: context.queue,
    pod: context.podName,
    retryCount: message.retryCount,
    redelivered: message.redelivered,
    at: Date.now(),
  };
  await context.publish('', `${context.queue}.processed`, record, { messageId: id });
}
