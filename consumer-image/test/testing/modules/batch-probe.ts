// Test fixture batch module: records every message of a batch to <queue>.processed, then gives each its own outcome.
import type { BatchItemResult, ConsumeContext, HareMessage } from '../../../src/api.ts';
import type { ProbeBody, ProbeRecord } from './probe.ts';

/** A probe record with the batch it came in. */
export interface BatchRecord extends ProbeRecord {
  /** The first message id of the batch: records with the same batch came in one call. */
  readonly batch: string;
  readonly batchSize: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `sleepMs` of the first message is the batch's work time; `fail` (first n deliveries), `retryResult`, `reject` per message. */
export async function consumeBatch(messages: readonly HareMessage<Partial<ProbeBody>>[], context: ConsumeContext): Promise<BatchItemResult[]> {
  await sleep(messages[0]?.body.sleepMs ?? 0);
  const batch = messages[0]?.body.id ?? '';
  const outcomeOf = (m: HareMessage<Partial<ProbeBody>>): ProbeRecord['outcome'] => {
    const failing = m.body.fail === 'always' || (typeof m.body.fail === 'number' && m.retryCount < m.body.fail);
    return m.body.reject === true ? 'reject' : failing ? 'retry' : 'ack';
  };
  await Promise.all(messages.map((m) => {
    const record: BatchRecord = {
      id: m.body.id ?? '',
      retryCount: m.retryCount,
      redelivered: m.redelivered,
      outcome: outcomeOf(m),
      at: Date.now(),
      pod: context.podName,
      bodyKind: 'json',
      body: m.body,
      messageId: m.properties.messageId,
      contentType: m.properties.contentType,
      exchange: m.exchange,
      routingKey: m.routingKey,
      batch,
      batchSize: messages.length,
    };
    return context.publish('', `${context.queue}.processed`, record);
  }));
  return messages.map((m) => {
    const outcome = outcomeOf(m);
    if (outcome === 'reject') return context.reject(`batch probe rejected ${m.body.id}`);
    if (outcome === 'retry') return context.retry(`batch probe retry ${m.body.id}`);
    return undefined;
  });
}
