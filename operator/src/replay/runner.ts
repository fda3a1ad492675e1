// The dead-letter replay loop (leader only): carries out each replay request of a pool once, resumes one that a
// previous leader left Running, reports progress in status.replay and Events, and tries again after a failure.
import type { ChannelModel } from 'amqplib';
import type { ConsumerPoolStatus, Pool, SecretKeySelector } from '../api/pool.ts';
import { brokerTls } from '../autoscaler/pool-source.ts';
import type { BrokerTls } from '../autoscaler/tls.ts';
import type { Clock } from '../clock.ts';
import { errorText, type Logger } from '../log.ts';
import { keyOf, REASONS } from '../metadata.ts';
import type { EventSink } from '../reconcile/ports.ts';
import { moveDead, type MoveOptions, type ReplayProgress } from './mover.ts';
import { replayDecision, type ReplayRequest } from './request.ts';

export type ReplayStatus = NonNullable<ConsumerPoolStatus['replay']>;

export interface ReplayDeps {
  /** moveDead on the shared connection of the broker at `uri` (brokerReplay() in production). */
  broker: { move(uri: string, options: MoveOptions, tls?: BrokerTls): Promise<ReplayProgress> };
  secrets: { value(namespace: string, ref: SecretKeySelector): Promise<string> };
  pools: { get(namespace: string, name: string): Pool | undefined };
  writer: { applyReplayStatus(pool: Pool, status: { replay: ReplayStatus }): Promise<void> };
  events: EventSink;
  log: Logger;
  clock: Clock;
  /** Messages per second at most (a replay must not flood the consumers). */
  ratePerSecond: number;
}

const RETRY_MS = 10_000;

export class ReplayRunner {
  private readonly running = new Set<string>();
  private readonly retries = new Map<string, unknown>();
  private readonly deps: ReplayDeps;
  private stopped = false;

  constructor(deps: ReplayDeps) {
    this.deps = deps;
  }

  /** After a pool changed: starts (or resumes) its replay request when one is due. */
  sync(pool: Pool): void {
    const key = keyOf(pool.metadata.namespace, pool.metadata.name);
    if (this.stopped || pool.metadata.deletionTimestamp || this.running.has(key)) return;
    const decision = replayDecision(pool);
    if (decision.action === 'refuse') {
      const already = pool.status?.replay;
      if (already?.requestId === decision.id && already.state === 'Failed') return;
      const status: ReplayStatus = { requestId: decision.id, state: 'Failed', message: decision.message, completedAt: this.now() };
      this.deps.events.emit(pool, 'Warning', REASONS.replayFailed, `replay ${decision.id}: ${decision.message}`);
      void this.write(pool, status);
    } else if (decision.action === 'run') {
      this.running.add(key);
      void this.run(key, pool, decision.request).finally(() => this.running.delete(key));
    }
  }

  forget(key: string): void {
    const timer = this.retries.get(key);
    if (timer !== undefined) this.deps.clock.clearTimeout(timer);
    this.retries.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.retries.keys()]) this.forget(key);
  }

  private async run(key: string, pool: Pool, request: ReplayRequest): Promise<void> {
    const { deps } = this;
    const { queue } = pool.spec;
    const previous = pool.status?.replay;
    const resuming = previous?.requestId === request.id;
    const base: ReplayStatus = { requestId: request.id, state: 'Running', startedAt: resuming ? previous.startedAt : this.now() };
    if (!resuming) {
      deps.events.emit(pool, 'Normal', REASONS.replayStarted, `replay ${request.id}: moving ${request.count ?? 'all'} dead messages from ${queue.name}.dead back to ${queue.name}`);
      await this.write(pool, { ...base, ...(request.count ? { requested: request.count } : {}), moved: 0, message: 'starting' });
    }
    const batch = Math.max(1, Math.min(100, deps.ratePerSecond));
    let progress: Pick<ReplayStatus, 'requested' | 'moved' | 'left'> = resuming ? { requested: previous.requested, moved: previous.moved, left: previous.left } : {};
    try {
      const { broker } = pool.spec;
      const uri = await deps.secrets.value(pool.metadata.namespace, broker.uriSecretRef);
      const tls = broker.tls ? await brokerTls(deps.secrets, pool.metadata.namespace, broker.tls) : undefined;
      const done = await deps.broker.move(uri, {
        queue: queue.name, requestId: request.id, count: request.count, batch,
        pause: () => new Promise((resolve) => deps.clock.setTimeout(resolve, (batch / deps.ratePerSecond) * 1000)),
        onProgress: async (p, left) => {
          progress = { requested: p.requested, moved: p.moved, left };
          await this.write(pool, { ...base, ...progress, message: `moved ${p.moved} of ${p.requested}` });
        },
      }, tls);
      const left = progress.left ?? 0;
      const message = `moved ${done.moved} of ${done.requested} dead messages from ${queue.name}.dead back to ${queue.name} (retry counts reset); ${left} left in ${queue.name}.dead`;
      await this.write(pool, { ...base, state: 'Succeeded', requested: done.requested, moved: done.moved, left, message, completedAt: this.now() });
      deps.events.emit(pool, 'Normal', REASONS.replayed, `replay ${request.id}: ${message}`);
    } catch (err) {
      const message = `interrupted: ${errorText(err)}; resuming in ${RETRY_MS / 1000} s`;
      deps.log.warn({ pool: key, request: request.id, err: errorText(err) }, 'dead-letter replay interrupted');
      deps.events.emit(pool, 'Warning', REASONS.replayFailed, `replay ${request.id}: ${message}`);
      await this.write(pool, { ...base, ...progress, message });
      this.retries.set(key, deps.clock.setTimeout(() => {
        this.retries.delete(key);
        const latest = deps.pools.get(pool.metadata.namespace, pool.metadata.name);
        if (latest?.metadata.uid === pool.metadata.uid) this.sync(latest);
      }, RETRY_MS));
    }
  }

  private async write(pool: Pool, replay: ReplayStatus): Promise<void> {
    try {
      await this.deps.writer.applyReplayStatus(pool, { replay });
    } catch (err) {
      this.deps.log.warn({ pool: keyOf(pool.metadata.namespace, pool.metadata.name), err: errorText(err) }, 'replay status write failed');
    }
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}

/** The production broker step: moveDead on the shared AMQP connection of each broker URI. */
export function brokerReplay(sources: { withConnection<T>(uri: string, use: (conn: ChannelModel) => Promise<T>, tls?: BrokerTls): Promise<T> }): ReplayDeps['broker'] {
  return { move: (uri, options, tls) => sources.withConnection(uri, (conn) => moveDead(conn, options), tls) };
}
