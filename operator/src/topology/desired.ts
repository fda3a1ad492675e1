// The topology a pool owns: its queue settings mapped onto the runtime's own plan, so operator and pods agree.
import { createHash } from 'node:crypto';
import { topologyPlan, type TopologyPlan } from '../../../consumer-image/src/topology-plan.ts';
import type { Pool } from '../api/pool.ts';

export type { TopologyPlan } from '../../../consumer-image/src/topology-plan.ts';

/** How the pool's topology comes to exist: declared by the operator, or managed elsewhere and only checked. */
export type DeclareMode = 'operator' | 'none';

export interface DesiredTopology {
  readonly mode: DeclareMode;
  readonly plan: TopologyPlan;
  /** Changes whenever the plan, the mode or the broker reference does: the topology is (re)declared then. */
  readonly key: string;
}

export function desiredTopology(pool: Pool): DesiredTopology {
  const q = pool.spec.queue;
  const plan = topologyPlan({
    queue: q.name,
    exchange: q.exchange,
    routingKey: q.routingKey ?? q.name,
    queueType: q.type,
    retryDelaysMs: q.retry.delaysMs,
  });
  const mode: DeclareMode = q.declare;
  const key = createHash('sha256').update(JSON.stringify([pool.metadata.uid, mode, pool.spec.broker.uriSecretRef, plan])).digest('hex').slice(0, 16);
  return { mode, plan, key };
}

/** The delay queues of a plan (the only queues the operator ever removes, and only when empty). */
export function delayQueues(plan: TopologyPlan): string[] {
  return plan.queues.filter((q) => q.arguments['x-message-ttl'] !== undefined).map((q) => q.name);
}
