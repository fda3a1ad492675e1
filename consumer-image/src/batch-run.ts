// Running a module's consumeBatch on one batch: decode, call (with the time limit), one outcome per message.
import type { ConsumeMessage } from 'amqplib';
import type { BatchResult, ConsumeBatchFn, ConsumeContext, HareMessage } from './api.ts';
import { toMessage } from './decode.ts';
import { bounded, outcomeOf, thrown } from './handler-run.ts';
import type { RunDeps } from './handler-run.ts';
import { reasonText } from './reason.ts';
import type { Redactor } from './redact.ts';
import type { Outcome } from './routing.ts';

export interface BatchRunDeps extends Omit<RunDeps, 'consume'> {
  readonly consumeBatch: ConsumeBatchFn;
}

/**
 * The outcome of each delivery, in order. An undecodable one goes dead without reaching the handler; the rest
 * are handed over together. A throw, a timeout or a result array of the wrong length retries all of them.
 */
export async function runBatch(deps: BatchRunDeps, deliveries: readonly ConsumeMessage[], context: ConsumeContext): Promise<Outcome[]> {
  const outcomes: (Outcome | undefined)[] = [];
  const messages: HareMessage[] = [];
  for (const delivery of deliveries) {
    try {
      messages.push(toMessage(delivery));
      outcomes.push(undefined);
    } catch (err) {
      outcomes.push({ kind: 'reject', reason: deps.redact(reasonText(err)), cause: 'undecodable' });
    }
  }
  if (messages.length === 0) return outcomes as Outcome[];
  const call = (c: ConsumeContext): Promise<Outcome[]> => callBatch(deps.consumeBatch, messages, c, deps.redact);
  const timeoutMs = deps.handlerTimeoutMs;
  const log = { batch: messages.length, messageIds: messages.map((m) => m.properties.messageId) };
  const handled = timeoutMs === undefined ? await call(context) : await bounded(deps, timeoutMs, context, log, call, (reason) => messages.map((): Outcome => ({ kind: 'retry', reason })));
  let next = 0;
  return outcomes.map((o) => o ?? handled[next++]!);
}

async function callBatch(fn: ConsumeBatchFn, messages: HareMessage[], context: ConsumeContext, redact: Redactor): Promise<Outcome[]> {
  let result: BatchResult;
  try {
    result = await fn(messages, context);
  } catch (err) {
    const outcome = thrown(err, redact);
    return messages.map(() => outcome);
  }
  if (!Array.isArray(result)) {
    const outcome = outcomeOf(result, redact);
    return messages.map(() => outcome);
  }
  const items = result as readonly unknown[];
  if (items.length !== messages.length) {
    const outcome: Outcome = { kind: 'retry', reason: `consumeBatch returned ${items.length} outcomes for ${messages.length} messages` };
    return messages.map(() => outcome);
  }
  return items.map((item) => outcomeOf(item, redact));
}
