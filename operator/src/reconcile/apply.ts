// Executes a plan: deletes (each starts a drain), then creates in slow-start batches; records expectations.
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { classifyWriteError, InvalidSpecError, type TransientError } from '../errors.ts';
import { keyOf, REASONS } from '../metadata.ts';
import type { Expectations } from './expectations.ts';
import type { Plan } from './plan.ts';
import type { ClusterWriter, EventSink } from './ports.ts';

export interface ApplyDeps {
  writer: ClusterWriter;
  events: EventSink;
  expectations: Expectations;
}

const REASON_TEXT = { ScaleDown: 'scale down', Rollout: 'rolling update', Finished: 'pod finished' } as const;

/** Applies the plan; throws InvalidSpecError or TransientError (the first failure) after doing what it could. */
export async function applyPlan(pool: Pool, template: V1Pod, planned: Plan, deps: ApplyDeps): Promise<void> {
  const key = keyOf(pool.metadata.namespace, pool.metadata.name);
  const { writer, events, expectations } = deps;
  expectations.expect(key, planned.create, planned.delete.map((d) => d.pod.metadata?.name ?? ''));
  const errors: (TransientError | InvalidSpecError)[] = [];

  await Promise.all(planned.delete.map(async ({ pod, reason }) => {
    const { name = '', namespace = '', uid = '' } = pod.metadata ?? {};
    try {
      await writer.deletePod(namespace, name, uid);
      const drain = reason === 'Finished' ? '' : `; draining in-flight messages for up to ${pool.spec.drain.timeoutSeconds}s`;
      events.emit(pool, 'Normal', REASONS.deleted, `Deleted pod ${name} (${REASON_TEXT[reason]})${drain}`);
    } catch (err) {
      expectations.deletionObserved(key, name);
      const e = classifyWriteError(err, `delete pod ${name}`);
      events.emit(pool, 'Warning', REASONS.deleteFailed, e.message);
      errors.push(e);
    }
  }));

  let remaining = planned.create;
  for (let batch = 1; remaining > 0 && errors.length === 0; batch *= 2) {
    const size = Math.min(batch, remaining);
    remaining -= size;
    const results = await Promise.allSettled(Array.from({ length: size }, () => writer.createPod(structuredClone(template))));
    for (const r of results) {
      if (r.status === 'fulfilled') {
        events.emit(pool, 'Normal', REASONS.created, `Created pod ${r.value.metadata?.name ?? ''}`);
        continue;
      }
      expectations.creationObserved(key);
      const e = classifyWriteError(r.reason, 'create pod', template.metadata?.generateName);
      events.emit(pool, 'Warning', REASONS.createFailed, e.message);
      errors.push(e);
    }
  }
  for (let i = 0; i < remaining; i++) expectations.creationObserved(key); // skipped after a failure

  const invalid = errors.find((e) => e instanceof InvalidSpecError);
  if (invalid) throw invalid;
  if (errors[0]) throw errors[0];
}
