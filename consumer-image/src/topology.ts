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
  /** What the existing object has for that argument, and what the declaration asked for (undefined: unset). */
  readonly current: string | undefined;
  readonly declared: string | undefined;
  readonly code: number | undefined;
  constructor(message: string, fields: Omit<TopologyError, keyof Error>, cause: unknown) {
    super(message, { cause });
    this.object = fields.object;
    this.argument = fields.argument;
    this.current = fields.current;
    this.declared = fields.declared;
    this.code = fields.code;
  }
}

/**
 * Declares the plan on a channel of its own (a refusal closes that channel, not the caller's). With mode none the
 * topology is managed elsewhere: only check that its queues exist, whatever their arguments.
 */
export async function declareTopology(connection: ChannelModel, plan: TopologyPlan, mode: 'operator' | 'none' = 'operator'): Promise<void> {
  if (mode === 'none') {
    const missing = await missingQueues(connection, plan.queues.map((q) => q.name));
    if (missing.length === 0) return;
    const object = missing.map((q) => `queue '${q}'`).join(', ');
    throw new TopologyError(`${object} not found; with spec.queue.declare none they must be declared elsewhere`, { object, argument: undefined, current: undefined, declared: undefined, code: 404 }, undefined);
  }
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

/** The names among `names` that the broker has no queue for (passive declares, each on a channel of its own). */
export async function missingQueues(connection: ChannelModel, names: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined); // a missing queue closes the channel; the rejection reports it
    try {
      await channel.checkQueue(name);
      await channel.close();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 404) throw err;
      missing.push(name);
    }
  }
  return missing;
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
  // the argument and values are read from the broker's reply for the human message only; decisions use the code
  const found = INEQUIVALENT.exec(text);
  if (found === null) return new TopologyError(`the broker refused ${object} (code ${code}): ${text}`, { object, argument: undefined, current: undefined, declared: undefined, code }, err);
  const [, argument, received, current] = found;
  const fields = { object, argument, current: brokerValue(current!), declared: brokerValue(received!), code };
  const shown = (v: string | undefined): string => (v === undefined ? 'unset' : `'${v}'`);
  const message =
    `${object} already exists with '${argument}' = ${shown(fields.current)}, but the pool declares '${argument}' = ${shown(fields.declared)}; ` +
    `nothing was changed: delete it, give the pool its settings, or manage the topology elsewhere (HareMq declares <queue>.dead with x-message-ttl, the runtime without)`;
  return new TopologyError(message, fields, err);
}

/** "inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received none but current is the value 'quorum' of type 'longstr'" */
const VALUE = "(none|the value '[^']*' of type '[^']*'|'[^']*')";
const INEQUIVALENT = new RegExp(`inequivalent arg '([^']+)' for [^:]+: received ${VALUE} but current is ${VALUE}`);

/** A value as the broker prints it: none, 'x', or the value 'x' of type 't'. */
function brokerValue(text: string): string | undefined {
  return text === 'none' ? undefined : /'([^']*)'/.exec(text)?.[1];
}
