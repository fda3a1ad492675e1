// One autoscaler tick of one pool: read the depth, re-read the pool after every await, keep the pods' busy counts,
// decide (pure), write /scale with a resourceVersion precondition, then the Events and the autoscaler's status
// fields. A pool that another scaler sizes stops after the busy counts.
import type { AutoscalingSpec } from '../api/consumerpool.ts';
import type { Pool } from '../api/pool.ts';
import { httpStatus } from '../errors.ts';
import type { Logger } from '../log.ts';
import { FIELD_MANAGERS, REASONS, splitKey } from '../metadata.ts';
import type { ClusterWriter, EventSink } from '../reconcile/ports.ts';
import type { BrokerBusy } from '../reconcile/busy.ts';
import { computeScalerStatus, scalerStatusWorthWriting, type ScalerStatus } from '../status/autoscaler-status.ts';
import { decide, initialState, type Decision, type PolicyOutput, type PolicyState } from './policy.ts';
import { readDepth, sourceConfig, type SourceDeps, type SourceSlot } from './pool-source.ts';
import type { ScalerMetrics } from './scaler-metrics.ts';
import type { QueueDepth, Reading } from './types.ts';

export interface TickDeps extends SourceDeps {
  /** The informer cache; read again after every await. */
  pools: { get(namespace: string, name: string): Pool | undefined };
  /** setReplicas sends the pool's resourceVersion: a 409 means the pool changed since the snapshot. */
  writer: Pick<ClusterWriter, 'setReplicas'> & { applyScalerStatus(pool: Pool, status: ScalerStatus): Promise<void> };
  events: EventSink;
  metrics: ScalerMetrics;
  log: Logger;
  /** Epoch milliseconds. */
  now(): number;
}

/** What the loop keeps of one pool between ticks; bound to the pool's uid, so a recreated pool starts clean. */
export interface Tracked extends SourceSlot {
  readonly key: string;
  readonly uid: string;
  state?: PolicyState;
  busy?: { counts: BrokerBusy; at: number };
  lastStatusWrite: number;
  timer?: unknown;
}

export type TickOutcome = 'done' | 'poolChanged' | 'conflict';

/** Queue numbers and reason wording are written at most this often (conditions and sizes at once). */
const QUIET_STATUS_MS = 15_000;

/** What a decision rests on. When any of it changes during a tick, the tick writes nothing. */
function basis(pool: Pool): string {
  const a = pool.spec.autoscaling;
  return JSON.stringify([pool.metadata.uid, pool.metadata.generation, a?.enabled, a?.paused, sourceConfig(pool)]);
}

/**
 * One tick on `snapshot` (the cached pool when the tick started). `live` says whether the loop still tracks `t`.
 * A pool that changed during an await, or a 409 from /scale, drops the tick: the next tick decides again.
 */
export async function runTick(deps: TickDeps, t: Tracked, snapshot: Pool, live: () => boolean): Promise<TickOutcome> {
  const { namespace, name } = splitKey(t.key);
  const expected = basis(snapshot);
  const fresh = (): Pool | undefined => {
    const pool = live() ? deps.pools.get(namespace, name) : undefined;
    return pool !== undefined && basis(pool) === expected ? pool : undefined;
  };
  const reading = await readDepth(deps, t, snapshot, fresh);
  // a fact about the read, whether its decision is kept or not; a pool forgotten meanwhile leaves no series behind,
  // and one that another scaler sizes has none
  if (reading !== undefined && live() && snapshot.spec.autoscaling?.enabled) deps.metrics.observe(t.key, reading);
  const pool = fresh();
  if (reading === undefined || pool === undefined) return live() ? dropped(deps, t.key, 'poolChanged') : 'poolChanged';
  const busy = reading.ok ? busyCounts(reading.depth) : undefined;
  if (busy !== undefined) t.busy = { counts: busy, at: deps.now() };
  const spec = pool.spec.autoscaling;
  // another scaler sets the size (kubectl, an HPA, KEDA): the read only tells the reconciler which pods are idle
  if (!spec?.enabled) return 'done';
  return act(deps, t, { pool, spec, reading }, live);
}

/** Decides on the fresh pool, writes /scale (409: dropped), then Events and status. */
async function act(deps: TickDeps, t: Tracked, on: { pool: Pool; spec: AutoscalingSpec; reading: Reading }, live: () => boolean): Promise<TickOutcome> {
  const { pool, spec, reading } = on;
  const now = deps.now();
  const { state, decision } = decideOn(t, pool, spec, reading, now);
  if (decision.replicas !== undefined && !(await scale(deps, pool, decision.replicas))) return dropped(deps, t.key, 'conflict');
  t.state = state;
  if (live()) deps.metrics.decided(t.key, decision, spec.maxReplicas);
  emitEvents(deps.events, pool, decision);
  // after a scale the generation is ours; only a deleted or recreated pool (or a forgotten one) stops here
  const after = live() ? deps.pools.get(pool.metadata.namespace, pool.metadata.name) : undefined;
  if (after?.metadata.uid !== t.uid) return 'done';
  await writeStatus(deps, t, pool, computeScalerStatus({ pool, reading, decision, scaled: decision.replicas !== undefined, now: new Date(now) }));
  return 'done';
}

/** Per-pod counts for victim ranking: the pods' own (by pod name) when they were asked, else the management API's. */
function busyCounts(depth: QueueDepth): BrokerBusy | undefined {
  if (depth.perPodUnacked !== undefined) return { byName: new Map(Object.entries(depth.perPodUnacked)), byAddress: new Map() };
  if (depth.perConnectionUnacked === undefined) return undefined;
  return { byName: new Map(Object.entries(depth.perConnectionUnacked)), byAddress: new Map(Object.entries(depth.perPeerUnacked ?? {})) };
}

function decideOn(t: Tracked, pool: Pool, spec: AutoscalingSpec, reading: Reading, now: number): PolicyOutput {
  const current = pool.spec.replicas ?? 0;
  return decide({ spec, current, state: t.state ?? initialState(current, now), reading, now, prefetch: pool.spec.queue.prefetch });
}

/** Writes spec.replicas on the condition that the pool is still the version decided on; false on a 409. */
async function scale(deps: TickDeps, pool: Pool, replicas: number): Promise<boolean> {
  try {
    await deps.writer.setReplicas(pool, replicas, FIELD_MANAGERS.autoscaler);
    return true;
  } catch (err) {
    if (httpStatus(err) === 409) return false;
    throw err;
  }
}

async function writeStatus(deps: TickDeps, t: Tracked, pool: Pool, status: ScalerStatus): Promise<void> {
  const now = deps.now();
  if (!scalerStatusWorthWriting(pool, status, t.lastStatusWrite, now, QUIET_STATUS_MS)) return;
  await deps.writer.applyScalerStatus(pool, status);
  t.lastStatusWrite = now;
}

function dropped(deps: TickDeps, key: string, why: 'poolChanged' | 'conflict'): TickOutcome {
  deps.metrics.dropped(key, why);
  deps.log.debug({ pool: key, why }, 'autoscaler decision dropped: the pool changed during the tick; deciding again next tick');
  return why;
}

/** Every change of size has an Event (logged too); its reason names both sizes. */
function emitEvents(events: EventSink, pool: Pool, decision: Decision): void {
  if (decision.event) events.emit(pool, 'Normal', REASONS.autoscaled, decision.reason);
  if (decision.broker.transition === 'lost') events.emit(pool, 'Warning', REASONS.brokerUnreachable, decision.reason);
  if (decision.broker.transition === 'recovered') events.emit(pool, 'Normal', REASONS.brokerReachable, decision.broker.message);
}
