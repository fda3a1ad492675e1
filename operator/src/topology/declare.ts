// The broker side of a pool's topology: declare it (mode operator) or check that it exists (mode none), and remove
// delay queues the pool no longer uses, only when they are empty. Each step runs on a channel of its own.
import type { Channel, ChannelModel } from 'amqplib';
import { declareTopology, missingQueues, TopologyError } from '../../../consumer-image/src/topology.ts';
import { delayQueues, type DesiredTopology } from './desired.ts';

export type TopologyOutcome =
  | { readonly ok: true; readonly message: string; readonly delayQueues: readonly string[] }
  | { readonly ok: false; readonly reason: 'Conflict' | 'QueueMissing' | 'Refused'; readonly message: string };

/**
 * Brings the broker to the desired topology. `previous` names the delay queues declared before: those the plan no
 * longer has are deleted if empty, else kept (and listed again, so a later pass tries once more). Refusals come back
 * as outcomes; a lost connection or a timeout rejects (the caller retries with backoff).
 */
export async function ensureTopology(conn: ChannelModel, desired: DesiredTopology, previous: readonly string[]): Promise<TopologyOutcome> {
  const { plan, mode } = desired;
  const queue = plan.queues[0]!.name;
  if (mode === 'none') {
    const missing = await missingQueues(conn, plan.queues.map((q) => q.name));
    if (missing.length > 0) {
      return { ok: false, reason: 'QueueMissing', message: `${missing.map((q) => `queue '${q}'`).join(', ')} not found; with spec.queue.declare none, they must be declared elsewhere` };
    }
    return { ok: true, message: `queue '${queue}', its delay queues and dead queue exist (declared elsewhere)`, delayQueues: [] };
  }
  try {
    await declareTopology(conn, plan);
  } catch (err) {
    if (!(err instanceof TopologyError)) throw err;
    return { ok: false, reason: err.code === 406 ? 'Conflict' : 'Refused', message: err.message };
  }
  const wanted = delayQueues(plan);
  const kept: string[] = [];
  for (const name of previous.filter((q) => !wanted.includes(q))) {
    if (!(await deleteIfEmpty(conn, name))) kept.push(name);
  }
  const exchanges = plan.exchanges.map((e) => `'${e}'`).join(' and ');
  const note = kept.length === 0 ? '' : `; kept ${kept.map((q) => `'${q}'`).join(', ')}, no longer used but not empty`;
  return {
    ok: true,
    message: `declared exchange ${exchanges}, queue '${queue}', ${wanted.length} delay queue(s) and '${plan.queues.at(-1)!.name}'${note}`,
    delayQueues: [...wanted, ...kept],
  };
}

/** True when the queue is gone (deleted now, or already); false when it still holds messages. */
function deleteIfEmpty(conn: ChannelModel, name: string): Promise<boolean> {
  return onChannel(conn, (ch) => ch.deleteQueue(name, { ifEmpty: true }).then(() => true), (code) => (code === 406 ? false : code === 404 ? true : undefined));
}

/** Runs `use` on a fresh channel; a channel-level refusal whose code `refused` maps to a value becomes that value. */
async function onChannel<T>(conn: ChannelModel, use: (ch: Channel) => Promise<T>, refused: (code: number) => T | undefined): Promise<T> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined); // a refusal closes the channel; the call's rejection reports it
  try {
    const value = await use(ch);
    await ch.close().catch(() => undefined);
    return value;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const mapped = typeof code === 'number' ? refused(code) : undefined;
    if (mapped === undefined) throw err;
    return mapped;
  }
}
