// Moves dead messages back to their queue in AMQP transactions: each batch publishes the copies, acks the originals
// and replaces the progress marker in one commit, so an operator that dies mid-replay leaves either the whole batch
// or none of it, and the marker says exactly how many moved. (RabbitMQ's transactions are atomic against a client
// that goes away; a broker crash during a commit across queues is the case they do not cover.)
import type { Channel, ChannelModel, GetMessage, Options } from 'amqplib';
import { ACQUIRED_COUNT_HEADER, DEAD_HEADERS, DELIVERY_COUNT_HEADER, REPLAY_HEADER, RETRY_HEADER } from '../../../consumer-image/src/contract.ts';
import { deadQueueName } from '../../../consumer-image/src/topology-plan.ts';

/** How far a request got, as the marker in <queue>.replay records it. */
export interface ReplayProgress {
  readonly requestId: string;
  /** Messages to move in all; fixed when the request starts (the dead queue's depth then, when no count was given). */
  readonly requested: number;
  readonly moved: number;
}

export interface MoveOptions {
  readonly queue: string;
  readonly requestId: string;
  /** undefined: every message in the dead queue when the request starts. */
  readonly count: number | undefined;
  /** Messages per transaction. */
  readonly batch: number;
  /** Called after every commit; a rejection stops the move (the marker keeps what was committed). */
  readonly onProgress: (progress: ReplayProgress, left: number) => Promise<void>;
  /** Waits between batches (the replay's rate limit). */
  readonly pause: () => Promise<void>;
}

export const markerQueueName = (queue: string): string => `${queue}.replay`;

/**
 * AMQP 0-9-1 class tx (90): select and commit with their -ok replies. amqplib has no transaction API, but its
 * Channel.rpc sends any method and waits for the reply (the same call it uses for confirm.select).
 */
const TX = { select: (90 << 16) | 10, selectOk: (90 << 16) | 11, commit: (90 << 16) | 20, commitOk: (90 << 16) | 21 } as const;
type RpcChannel = Channel & { rpc(method: number, fields: object, expect: number): Promise<unknown> };
const txSelect = (ch: Channel): Promise<unknown> => (ch as RpcChannel).rpc(TX.select, {}, TX.selectOk);
const txCommit = (ch: Channel): Promise<unknown> => (ch as RpcChannel).rpc(TX.commit, {}, TX.commitOk);

/** The copy a replay publishes: the original's properties and headers, without its retry and dead-letter history. */
export function replayCopy(message: GetMessage, requestId: string): Options.Publish {
  const { [RETRY_HEADER]: _r, [DELIVERY_COUNT_HEADER]: _d, [ACQUIRED_COUNT_HEADER]: _a, [DEAD_HEADERS.cause]: _c, [DEAD_HEADERS.reason]: _why, [DEAD_HEADERS.trimmed]: _t, ...headers } =
    (message.properties.headers ?? {}) as Record<string, unknown>;
  const { headers: _h, ...properties } = message.properties;
  const kept = Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== undefined)) as Options.Publish;
  return { ...kept, headers: { ...headers, [REPLAY_HEADER]: requestId }, persistent: true };
}

/** Runs (or resumes) a request until it has moved its count or the dead queue is empty; returns the last progress. */
export async function moveDead(conn: ChannelModel, o: MoveOptions): Promise<ReplayProgress> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined); // a refusal rejects the call that caused it
  // a channel or connection that goes away fails the move at once (a call in flight on it may never answer)
  const lost = new Promise<never>((_, reject) => ch.once('close', () => reject(new Error('the broker channel closed during the replay'))));
  lost.catch(() => undefined);
  try {
    return await Promise.race([move(ch, o), lost]);
  } finally {
    await ch.close().catch(() => undefined); // uncommitted work rolls back
  }
}

async function move(ch: Channel, o: MoveOptions): Promise<ReplayProgress> {
  const dead = deadQueueName(o.queue);
  await ch.assertQueue(markerQueueName(o.queue), { durable: true, arguments: { 'x-queue-type': 'classic' } });
  await ch.checkQueue(o.queue); // copies go to an existing queue only (a transaction would drop an unroutable one)
  await txSelect(ch);
  let progress = await startingPoint(ch, dead, o);
  while (progress.moved < progress.requested) {
    const n = await oneBatch(ch, dead, progress, o);
    if (n === 0) break; // the dead queue ran dry before the count (someone else took messages)
    progress = { ...progress, moved: progress.moved + n };
    await o.onProgress(progress, (await ch.checkQueue(dead)).messageCount);
    if (progress.moved < progress.requested) await o.pause();
  }
  return progress;
}

/** One transaction: copies published and originals acked (up to a batch), the marker replaced; returns how many. */
async function oneBatch(ch: Channel, dead: string, progress: ReplayProgress, o: MoveOptions): Promise<number> {
  const marker = await ch.get(markerQueueName(o.queue));
  let n = 0;
  while (n < Math.min(o.batch, progress.requested - progress.moved)) {
    const m = await ch.get(dead);
    if (m === false) break;
    ch.sendToQueue(o.queue, m.content, replayCopy(m, o.requestId));
    ch.ack(m);
    n++;
  }
  if (n > 0) {
    if (marker !== false) ch.ack(marker);
    const next: ReplayProgress = { ...progress, moved: progress.moved + n };
    ch.sendToQueue(markerQueueName(o.queue), Buffer.from(JSON.stringify(next)), { persistent: true, contentType: 'application/json' });
  } else if (marker !== false) {
    ch.nack(marker, false, true); // nothing moved: the marker stays as it was
  }
  await txCommit(ch);
  return n;
}

/** The marker's progress when it belongs to this request (a resume), else a fresh start for it. */
async function startingPoint(ch: Channel, dead: string, o: MoveOptions): Promise<ReplayProgress> {
  const marker = await ch.get(markerQueueName(o.queue));
  if (marker !== false) {
    ch.nack(marker, false, true); // only read here; each batch takes and replaces it in its transaction
    await txCommit(ch);
    const last = parseMarker(marker.content);
    if (last?.requestId === o.requestId) return last;
  }
  const depth = (await ch.checkQueue(dead)).messageCount;
  return { requestId: o.requestId, requested: Math.min(o.count ?? depth, depth), moved: 0 };
}

function parseMarker(content: Buffer): ReplayProgress | undefined {
  try {
    const v = JSON.parse(content.toString()) as Partial<ReplayProgress>;
    return typeof v.requestId === 'string' && typeof v.requested === 'number' && typeof v.moved === 'number' ? (v as ReplayProgress) : undefined;
  } catch {
    return undefined;
  }
}
