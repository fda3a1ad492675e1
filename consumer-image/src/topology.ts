// The idempotent declaration of a topology plan (topology-plan.ts) on a channel of its own, and its refusals.
import type { Channel, ChannelModel } from 'amqplib';
import type { TopologyPlan } from './topology-plan.ts';

export { topologyPlan, type QueueDeclaration, type TopologyInput, type TopologyPlan } from './topology-plan.ts';

/** The broker refused a declaration (e.g. an existing queue with other arguments): retrying as is won't help. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  readonly object: string;
  /** The argument the broker named as inequivalent, when it named one. */
  readonly argument: string | undefined;
  readonly code: number | undefined;
  constructor(message: string, fields: { object: string; argument: string | undefined; code: number | undefined }, cause: unknown) {
    super(message, { cause });
    this.object = fields.object;
    this.argument = fields.argument;
    this.code = fields.code;
  }
}

/** Declares the plan on a channel of its own (a refusal closes that channel, not the caller's). */
export async function declareTopology(connection: ChannelModel, plan: TopologyPlan): Promise<void> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined); // surfaced as the failing call's rejection
  let object = '';
  try {
    for (const name of plan.exchanges) {
      object = `exchange '${name}'`;
      await channel.assertExchange(name, 'topic', { durable: true });
    }
    for (const q of plan.queues) {
      object = `queue '${q.name}'`;
      await channel.assertQueue(q.name, { durable: true, arguments: { ...q.arguments } });
    }
    await bind(channel, plan, (o) => (object = o));
  } catch (err) {
    throw toTopologyError(err, object);
  }
  await channel.close();
}

async function bind(channel: Channel, plan: TopologyPlan, at: (object: string) => void): Promise<void> {
  for (const b of plan.exchangeBindings) {
    at(`binding of exchange '${b.destination}' to exchange '${b.source}'`);
    await channel.bindExchange(b.destination, b.source, b.routingKey);
  }
  for (const b of plan.queueBindings) {
    at(`binding of queue '${b.queue}' to exchange '${b.source}'`);
    await channel.bindQueue(b.queue, b.source, b.routingKey);
  }
}

/** Channel-level refusals (403, 404, 405, 406) become TopologyError; anything else (connection loss) passes through. */
function toTopologyError(err: unknown, object: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'number' || code < 400 || code >= 500) return err;
  const text = err instanceof Error ? err.message : String(err);
  // the argument name is read from the broker's reply for the human message only; decisions use the code
  const argument = /inequivalent arg '([^']+)'/.exec(text)?.[1];
  const what = argument === undefined ? `the broker refused ${object} (code ${code})` : `${object} already exists with a different '${argument}'`;
  const hint = argument === undefined ? '' : `; delete it or give the pool its settings (HareMq declares <queue>.dead with x-message-ttl, the runtime without)`;
  return new TopologyError(`${what}${hint}: ${text}`, { object, argument, code }, err);
}
