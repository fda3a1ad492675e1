// One broker session: the consuming connection (named after the pod), a publishing connection, topology, confirm
// publishers and the consumer.
import { connect } from 'amqplib';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { CoalescingAcks } from './acks.ts';
import type { AckReport } from './acks.ts';
import type { ConsumeContext } from './api.ts';
import type { RuntimeConfig } from './config.ts';
import type { InFlight } from './inflight.ts';
import { consumerArguments } from './consumer-timeout.ts';
import { Intake } from './intake.ts';
import type { Logger } from './logger.ts';
import type { Processor, Republisher } from './processor.ts';
import { Batcher } from './batcher.ts';
import type { BatchProcessor } from './batcher.ts';
import type { BatchConfig } from './config.ts';
import { ConfirmPublisher } from './publisher.ts';
import { declareTopology } from './topology.ts';
import type { TopologyPlan } from './topology.ts';
import { tlsSocketOptions } from './tls.ts';

export interface SessionDeps {
  readonly config: RuntimeConfig;
  readonly plan: TopologyPlan;
  readonly inflight: InFlight;
  readonly logger: Logger;
  /** Counts the acks sent on the consuming channel, and those that could not be. */
  readonly ackReport: AckReport;
  /** A processor (batch or single) whose unroutable republishes call back (to re-declare the topology). */
  readonly makeProcessor: (onUnroutable: () => void) => AnyProcessor;
  /** The context of this session's handlers; `signal` aborts when the session is lost (orphaned handlers). */
  readonly makeContext: (publisher: Republisher, signal: AbortSignal) => ConsumeContext;
}

export type AnyProcessor = { readonly kind: 'single'; readonly process: Processor } | { readonly kind: 'batch'; readonly process: BatchProcessor; readonly batch: BatchConfig };

export interface Session {
  /** Resolves with the reason once the connection, the consuming channel or the consumer is gone. */
  readonly lost: Promise<Error>;
  /** basic.cancel: no new deliveries; those already sent (even before cancel-ok) are still handled. */
  cancel(): Promise<void>;
  /** Closes the channels and the connection; unacked messages return to the queue. */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;
const REDECLARE_MIN_INTERVAL_MS = 5_000;

/** Connects, declares, starts consuming; on any failure the connection is closed and the error thrown. */
export async function openSession(deps: SessionDeps): Promise<Session> {
  const { config, logger } = deps;
  const connection = await open(config, config.podName, false);
  let markLost: (reason: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (markLost = resolve));
  // handlers still running when the session is lost are orphans: aborted, no longer in flight, redelivered
  const orphaned = new AbortController();
  const inflight = deps.inflight.group();
  void lost.then((reason) => {
    orphaned.abort(reason);
    inflight.detach();
  });
  let connectionError: Error | undefined;
  connection.on('error', (err: Error) => (connectionError = err)); // emitted before close, with the broker's reason
  connection.on('close', (err?: Error) => markLost(err ?? connectionError ?? new Error('connection closed by the broker')));
  connection.on('blocked', (reason: string) => logger.warn({ reason }, 'broker blocked the connection (resource alarm)'));
  connection.on('unblocked', () => logger.info('broker unblocked the connection'));
  let publishing: ChannelModel | undefined;
  try {
    await declareTopology(connection, deps.plan, config.declare);
    // publishes on a connection of their own: under a resource alarm the broker stops reading from connections that
    // publish, and acks (and the drain's basic.cancel) must still get through
    const pub = (publishing = await open(config, `${config.podName} publish`, true));
    publishing.on('error', () => undefined); // the close event carries the reason
    publishing.on('close', (err?: Error) => markLost(err ?? new Error('publishing connection closed by the broker')));
    publishing.on('blocked', (reason: string) => logger.warn({ reason }, 'broker blocked the publishing connection (resource alarm); acks go on'));
    publishing.on('unblocked', () => logger.info('broker unblocked the publishing connection'));
    const retryPublisher = new ConfirmPublisher(publishing);
    const modulePublisher = new ConfirmPublisher(publishing);
    const redeclare = throttledRedeclare(connection, deps);
    const processor = deps.makeProcessor(redeclare);
    const context = deps.makeContext(modulePublisher, orphaned.signal);
    const channel = await connection.createChannel();
    const acks = new CoalescingAcks(channel, deps.ackReport);
    const batcher = processor.kind === 'batch' ? new Batcher(processor.batch, (batch) => processor.process(batch, acks, retryPublisher, context)) : undefined;
    void lost.then(() => batcher?.discard());
    const single = processor.kind === 'single' ? processor.process : undefined;
    const handle = (delivery: ConsumeMessage, alone: boolean): Promise<void> | undefined => {
      const work = batcher !== undefined ? batcher.add(delivery, alone) : single!(delivery, acks, retryPublisher, context);
      if (!alone) return work;
      // a message handled alone is acked before the next one runs, as without coalescing (poison isolation)
      if (work !== undefined) return work.then(() => acks.flush());
      acks.flush();
      return undefined;
    };
    let channelError: Error | undefined;
    channel.on('error', (err: Error) => (channelError = err)); // e.g. 406 from a consumer timeout
    // a connection closing closes its channels first: let the connection's reason win
    channel.on('close', () => setImmediate(() => markLost(channelError ?? connectionError ?? new Error('consumer channel closed'))));
    const intake = new Intake(channel, {
      queue: config.queue,
      prefetch: config.prefetch,
      consume: { arguments: consumerArguments(connection.connection.serverProperties.version, config.handlerTimeoutMs) },
      tagPrefix: config.podName,
      arrived: (delivery) => acks.delivered(delivery),
      handle,
      track: (work) => inflight.track(work),
      onCancelled: () => markLost(new Error(`the broker cancelled the consumer (queue '${config.queue}' deleted?)`)),
      holdAcks: (prefetch) => acks.hold(prefetch),
    });
    await intake.start();
    return {
      lost,
      // a drain finishes the batch it holds: at once, and after cancel-ok whatever arrived before it
      cancel: () => (batcher?.flushAll(), intake.stop()),
      close: () => (acks.sendAll(), closeAll([connection, pub], channel, [retryPublisher, modulePublisher])),
    };
  } catch (err) {
    await publishing?.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    throw err;
  }
}

/**
 * A connection named for the pod (the `connection_name` client property operators see in the management UI).
 * `noDelay` (TCP_NODELAY) for the publishing one: a publish waits for its confirm, so Nagle's algorithm would add
 * to every handler's time. The consuming one keeps Nagle, as amqplib does: it sends one small ack per message,
 * and a packet each would cost about 1 us of CPU per message (measured with bench:consumer's setup).
 */
function open(config: RuntimeConfig, name: string, noDelay: boolean): Promise<ChannelModel> {
  const socket = { clientProperties: { connection_name: name, product: 'hare-operator consumer runtime' }, timeout: CONNECT_TIMEOUT_MS, noDelay };
  return connect(config.brokerUri, { ...socket, ...tlsSocketOptions(config.tls) });
}

async function closeAll(connections: ChannelModel[], channel: Channel, publishers: ConfirmPublisher[]): Promise<void> {
  await channel.close().catch(() => undefined);
  await Promise.all(publishers.map((p) => p.close()));
  for (const c of connections) await c.close().catch(() => undefined);
}

/** Re-declares the topology (e.g. a delay queue was deleted under us), at most every few seconds. */
function throttledRedeclare(connection: ChannelModel, deps: SessionDeps): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < REDECLARE_MIN_INTERVAL_MS) return;
    last = now;
    deps.logger.warn('a republish was unroutable; declaring the topology again');
    declareTopology(connection, deps.plan, deps.config.declare).catch((err: unknown) => deps.logger.error({ err }, 're-declaring the topology failed'));
  };
}
