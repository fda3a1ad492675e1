// The topology loop (leader only): for each pool, declare (or check) its topology on the broker when the pool appears
// or its queue settings change, retry with backoff until it is in place, and report TopologyReady and Events.
import type { ChannelModel } from 'amqplib';
import type { Pool, SecretKeySelector } from '../api/pool.ts';
import type { Clock } from '../clock.ts';
import { withTimeout } from '../autoscaler/read-error.ts';
import { errorText, type Logger } from '../log.ts';
import { keyOf } from '../metadata.ts';
import type { EventSink } from '../reconcile/ports.ts';
import { computeTopologyStatus, type TopologyPass, type TopologyStatus } from '../status/topology-status.ts';
import { ensureTopology, type TopologyOutcome } from './declare.ts';
import { desiredTopology, type DesiredTopology } from './desired.ts';
import { brokerTls } from '../autoscaler/pool-source.ts';
import type { BrokerTls } from '../autoscaler/tls.ts';

export interface TopologyDeps {
  /** ensureTopology on the shared connection of the broker at `uri` (brokerTopology() in production). */
  broker: { ensure(uri: string, desired: DesiredTopology, previous: readonly string[], tls?: BrokerTls): Promise<TopologyOutcome> };
  secrets: { value(namespace: string, ref: SecretKeySelector): Promise<string> };
  pools: { get(namespace: string, name: string): Pool | undefined };
  writer: { applyTopologyStatus(pool: Pool, status: TopologyStatus): Promise<void> };
  events: EventSink;
  log: Logger;
  clock: Clock;
}

/** Bound on one pass on the broker (a few declares); a hung broker is a failed pass. */
const PASS_TIMEOUT_MS = 20_000;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 5 * 60_000;
/** A conflict waits for a person (or another tool) to change the queue: look again at this pace. */
const CONFLICT_RETRY_MS = 60_000;

interface Tracked {
  uid: string;
  /** desiredTopology(pool).key of the last pass started, or in place. */
  key: string;
  state: 'running' | 'waiting' | 'done';
  failures: number;
  timer?: unknown;
}

export class TopologyKeeper {
  private readonly tracked = new Map<string, Tracked>();
  private readonly deps: TopologyDeps;
  private stopped = false;

  constructor(deps: TopologyDeps) {
    this.deps = deps;
  }

  /** After a pool changed: a pass when its topology is new or different; nothing while one is in place or due. */
  sync(pool: Pool): void {
    const key = keyOf(pool.metadata.namespace, pool.metadata.name);
    if (this.stopped || pool.metadata.deletionTimestamp) return this.forget(key);
    const wanted = desiredTopology(pool).key;
    const t = this.tracked.get(key);
    if (t && t.uid === pool.metadata.uid && t.key === wanted) return;
    if (t) this.forget(key);
    const fresh: Tracked = { uid: pool.metadata.uid, key: wanted, state: 'waiting', failures: 0 };
    this.tracked.set(key, fresh);
    void this.pass(key, fresh);
  }

  forget(key: string): void {
    const t = this.tracked.get(key);
    if (t?.timer !== undefined) this.deps.clock.clearTimeout(t.timer);
    this.tracked.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.tracked.keys()]) this.forget(key);
  }

  private async pass(key: string, t: Tracked): Promise<void> {
    const { deps } = this;
    const [namespace = '', name = ''] = key.split('/');
    const pool = deps.pools.get(namespace, name);
    if (!pool || pool.metadata.uid !== t.uid || this.tracked.get(key) !== t) return;
    const desired = desiredTopology(pool);
    t.key = desired.key;
    t.state = 'running';
    const result = await this.attempt(pool, desired);
    if (this.tracked.get(key) !== t) return; // forgotten or replaced meanwhile
    await this.report(pool, result).catch((err: unknown) => deps.log.warn({ pool: key, err: errorText(err) }, 'topology status write failed'));
    if (result.ok && desiredTopology(deps.pools.get(namespace, name) ?? pool).key === t.key) {
      t.state = 'done';
      t.failures = 0;
      return;
    }
    // a failure, or the spec changed during the pass: go again
    t.state = 'waiting';
    const delay = result.ok ? 0 : result.reason === 'Conflict' ? CONFLICT_RETRY_MS : Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** t.failures++);
    t.timer = deps.clock.setTimeout(() => void this.pass(key, t), delay);
  }

  /** One pass: the Secret, the shared connection, the broker's answer; never rejects. */
  private async attempt(pool: Pool, desired: DesiredTopology): Promise<TopologyPass> {
    const { namespace } = pool.metadata;
    try {
      const { broker } = pool.spec;
      const uri = await this.deps.secrets.value(namespace, broker.uriSecretRef);
      const tls = broker.tls ? await brokerTls(this.deps.secrets, namespace, broker.tls) : undefined;
      const previous = pool.status?.topology?.delayQueues ?? [];
      return await withTimeout(this.deps.broker.ensure(uri, desired, previous, tls), PASS_TIMEOUT_MS, 'declaring the topology');
    } catch (err) {
      return { ok: false, reason: 'BrokerUnavailable', message: errorText(err) };
    }
  }

  /** Writes TopologyReady and status.topology when they change, with an Event for each change. */
  private async report(pool: Pool, result: TopologyPass): Promise<void> {
    const { status, changed, reason } = computeTopologyStatus(pool, result, new Date(this.deps.clock.now()));
    if (!changed) return;
    this.deps.events.emit(pool, result.ok ? 'Normal' : 'Warning', reason, result.message);
    await this.deps.writer.applyTopologyStatus(pool, status);
  }
}

/** The production broker step: the topology declared on the shared AMQP connection of each broker URI. */
export function brokerTopology(sources: { withConnection<T>(uri: string, use: (conn: ChannelModel) => Promise<T>, tls?: BrokerTls): Promise<T> }): TopologyDeps['broker'] {
  return { ensure: (uri, desired, previous, tls) => sources.withConnection(uri, (conn) => ensureTopology(conn, desired, previous), tls) };
}
