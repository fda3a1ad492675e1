// Test fixture module: records every delivery to <queue>.processed (confirmed), then behaves as the body says.
import type { ConsumeContext, HareMessage } from '../../../src/api.ts';

/** What a test asks of one message (JSON body); a raw body is simply recorded and acked. */
export interface ProbeBody {
  readonly id: string;
  /** Work time before recording, on every delivery. */
  readonly sleepMs?: number;
  /** Work time on the first delivery only (not redelivered, no retries yet). */
  readonly sleepFirstMs?: number;
  /** 'always', or fail (throw) the first n deliveries. */
  readonly fail?: 'always' | number;
  /** Ask for a retry with context.retry() instead of throwing. */
  readonly retryResult?: boolean;
  readonly reject?: boolean;
  /** Kill the process (exit code 70) after recording, on every delivery: the message is never settled. */
  readonly crash?: boolean;
  /** reject() with this kind of reason instead of a string. */
  readonly rejectWith?: keyof typeof ODD_VALUES;
  /** Throw (or return a rejected promise with) this kind of value instead of an Error. */
  readonly throwWith?: keyof typeof ODD_VALUES;
  /** Return a rejected promise instead of throwing (with `fail`). */
  readonly rejectPromise?: boolean;
  /** After recording, wait for context.signal to abort (log 'probe saw the abort'), then return normally a little later. */
  readonly hang?: 'first' | 'always';
  /** A context.publish before recording; a rejection fails the handler unless `await` is false (then it is not awaited). */
  readonly publishTo?: { readonly exchange: string; readonly routingKey: string; readonly mandatory?: boolean; readonly await?: boolean };
}

/** Values a careless handler may throw or pass as a reason. */
export const ODD_VALUES = {
  none: undefined,
  null: null,
  string: 'plain string',
  error: new TypeError('an error object'),
  object: { code: 42, detail: 'an object' },
  number: 7,
  'null-proto': Object.create(null) as object,
} as const;

/** One record per delivery, published to <queue>.processed. */
export interface ProbeRecord {
  readonly id: string;
  readonly retryCount: number;
  readonly redelivered: boolean;
  readonly outcome: 'ack' | 'retry' | 'reject' | 'crash';
  readonly at: number;
  readonly pod: string;
  readonly bodyKind: 'json' | 'buffer';
  readonly body: unknown;
  readonly messageId: string | undefined;
  readonly contentType: string | undefined;
  readonly exchange: string;
  readonly routingKey: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A stuck handler that honours its signal: it notices the abort, then returns late (a result that must settle nothing). */
async function hangUntilAborted(id: string, context: ConsumeContext): Promise<void> {
  await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
  context.logger.info({ id, reason: String(context.signal.reason) }, 'probe saw the abort');
  await sleep(200);
}

export async function consume(message: HareMessage, context: ConsumeContext): Promise<ReturnType<ConsumeContext['retry']> | ReturnType<ConsumeContext['reject']> | void> {
  const json = !Buffer.isBuffer(message.body);
  const body = (json ? message.body : {}) as Partial<ProbeBody>;
  const first = message.retryCount === 0 && !message.redelivered;
  const waitMs = (body.sleepMs ?? 0) + (first ? (body.sleepFirstMs ?? 0) : 0);
  if (waitMs > 0) await sleep(waitMs);
  const extra = body.publishTo;
  if (extra !== undefined) {
    const publishing = context.publish(extra.exchange, extra.routingKey, { from: body.id }, extra.mandatory === undefined ? {} : { mandatory: extra.mandatory } as const);
    if (extra.await === false) void publishing; // not awaited: the point of the test
    else await publishing;
  }
  const failing = body.fail === 'always' || (typeof body.fail === 'number' && message.retryCount < body.fail);
  const outcome = body.crash === true ? 'crash' : body.reject === true ? 'reject' : failing ? 'retry' : 'ack';
  const record: ProbeRecord = {
    id: body.id ?? message.properties.messageId ?? '',
    retryCount: message.retryCount,
    redelivered: message.redelivered,
    outcome,
    at: Date.now(),
    pod: context.podName,
    bodyKind: json ? 'json' : 'buffer',
    body: json ? message.body : message.content.toString('utf8'),
    messageId: message.properties.messageId,
    contentType: message.properties.contentType,
    exchange: message.exchange,
    routingKey: message.routingKey,
  };
  await context.publish('', `${context.queue}.processed`, record);
  if (body.hang === 'always' || (body.hang === 'first' && first)) await hangUntilAborted(record.id, context);
  if (outcome === 'crash') process.exit(70);
  if (outcome === 'reject' && body.rejectWith !== undefined) return context.reject(ODD_VALUES[body.rejectWith]);
  if (outcome === 'reject') return context.reject(`probe rejected ${record.id}`);
  if (outcome === 'retry' && body.throwWith !== undefined) {
    const value: unknown = ODD_VALUES[body.throwWith];
    if (body.rejectPromise === true) return Promise.reject(value); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
    throw value as Error;
  }
  if (outcome === 'retry' && body.rejectPromise === true) return Promise.reject(new Error(`probe rejected promise ${record.id}`));
  if (outcome === 'retry' && body.retryResult === true) return context.retry(`probe retry ${record.id}`);
  if (outcome === 'retry') throw new Error(`probe failure ${record.id} (delivery ${message.retryCount + 1})`);
}
