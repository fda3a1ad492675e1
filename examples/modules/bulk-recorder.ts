// Example batch module "bulk-recorder": the recorder, a batch at a time (set spec.queue.batch). It writes the
// records of a whole batch to <queue>.processed together, the way a bulk database insert would, and only then
// returns; a message whose body says {"reject": "why"} is dead-lettered on its own, the rest are acked.
// Records: the recorder's fields plus batchSize. <queue>.processed must exist (see README.md).
import type { BatchItemResult, ConsumeContext, HareMessage } from '@hare-operator/consumer-runtime';
import type { ProcessedRecord } from './recorder.ts';

/** A record of the bulk recorder: the recorder's, and the size of the batch the message came in. */
export interface BulkRecord extends ProcessedRecord {
  readonly batchSize: number;
}

interface BulkBody {
  readonly id?: string;
  readonly reject?: string;
}

export async function consumeBatch(messages: readonly HareMessage[], context: ConsumeContext): Promise<BatchItemResult[]> {
  const bodyOf = (m: HareMessage): BulkBody => (typeof m.body === 'object' && m.body !== null && !Buffer.isBuffer(m.body) ? m.body : {});
  const accepted = messages.filter((m) => bodyOf(m).reject === undefined);
  await Promise.all(accepted.map((m) => {
    const id = bodyOf(m).id ?? m.properties.messageId ?? '';
    const record: BulkRecord = { id, queue: context.queue, pod: context.podName, retryCount: m.retryCount, redelivered: m.redelivered, at: Date.now(), batchSize: messages.length };
    return context.publish('', `${context.queue}.processed`, record, { messageId: id });
  }));
  context.logger.info({ batch: messages.length, recorded: accepted.length }, 'bulk-recorder: recorded a batch');
  return messages.map((m) => {
    const why = bodyOf(m).reject;
    return why === undefined ? undefined : context.reject(why);
  });
}
