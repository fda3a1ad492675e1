// Executes a plan: deletes (each starts a drain), then creates in slow-start batches; records expectations (a write
// whose answer was lost stays expected until the watch shows it or the expectation times out).
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { classifyWriteError, InvalidSpecError, writeMayHaveHappened, type TransientError } from '../errors.ts';
import { keyOf, REASONS } from '../metadata.ts';
import type { Expectations } from './expectations.ts';
import type { DeleteReason, Plan } from './plan.ts';
import type { ClusterWriter, EventSink } from './ports.ts';

export interface ApplyDeps {
  writer: ClusterWriter;
  events: EventSink;
  expectations: Expectations;
}

const REASON_TEXT = { ScaleDown: 'scale down', Rollout: 'rolling update', Finished: 'pod finished' } as const;

type WriteError = TransientError | InvalidSpecError;

/** Appended to the Warning of a write whose answer was lost. */
const MAYBE_MADE = ' (the answer was lost and the API server may have made the change: waiting for the watch to show it)';

/** Applies the plan; throws InvalidSpecError or TransientError (the first failure) after doing what it could. */
export async function applyPlan(pool: Pool, template: V1Pod, planned: Plan, deps: ApplyDeps): Promise<void> {
  const key = keyOf(pool.metadata.namespace, pool.metadata.name);
  deps.expectations.expect(key, planned.create, planned.delete.map((d) => d.pod.metadata?.name ?? ''));
  const errors = await deletePods(pool, key, planned.delete, deps);
  if (errors.length === 0) errors.push(...(await createPods(pool, key, template, planned.create, deps)));
  else for (let i = 0; i < planned.create; i++) deps.expectations.creationObserved(key); // not attempted
  const invalid = errors.find((e) => e instanceof InvalidSpecError);
  if (invalid) throw invalid;
  if (errors[0]) throw errors[0];
}

/** Deletes in parallel (each delete starts a drain); one Event per reason lists the pods. */
async function deletePods(pool: Pool, key: string, victims: Plan['delete'], { writer, events, expectations }: ApplyDeps): Promise<WriteError[]> {
  const errors: WriteError[] = [];
  const deleted = new Map<DeleteReason, string[]>();
  await Promise.all(victims.map(async ({ pod, reason }) => {
    const { name = '', namespace = '', uid = '' } = pod.metadata ?? {};
    try {
      await writer.deletePod(namespace, name, uid);
      deleted.set(reason, [...(deleted.get(reason) ?? []), name]);
    } catch (err) {
      const maybe = writeMayHaveHappened(err);
      if (!maybe) expectations.deletionObserved(key, name); // else the watch shows it, or the expectation times out
      const e = classifyWriteError(err, `delete pod ${name}`);
      events.emit(pool, 'Warning', REASONS.deleteFailed, maybe ? `${e.message}${MAYBE_MADE}` : e.message);
      errors.push(e);
    }
  }));
  for (const [reason, names] of deleted) {
    const drain = reason === 'Finished' ? '' : `; draining in-flight messages for up to ${pool.spec.drain.timeoutSeconds}s`;
    events.emit(pool, 'Normal', REASONS.deleted, `Deleted ${podList(names, REASON_TEXT[reason])}${drain}`);
  }
  return errors;
}

/** Creates in slow-start batches (1, 2, 4, ...) that stop at the first failure; one Event lists the pods. */
async function createPods(pool: Pool, key: string, template: V1Pod, count: number, { writer, events, expectations }: ApplyDeps): Promise<WriteError[]> {
  const errors: WriteError[] = [];
  const created: string[] = [];
  let remaining = count;
  for (let batch = 1; remaining > 0 && errors.length === 0; batch *= 2) {
    const size = Math.min(batch, remaining);
    remaining -= size;
    const results = await Promise.allSettled(Array.from({ length: size }, () => writer.createPod(structuredClone(template))));
    for (const r of results) {
      if (r.status === 'fulfilled') {
        created.push(r.value.metadata?.name ?? '');
        continue;
      }
      // an answer that may have been lost keeps the expectation, as the Job controller does on a timeout:
      // the watch shows the pod, or the expectation times out; counting it now could create it twice
      const maybe = writeMayHaveHappened(r.reason);
      if (!maybe) expectations.creationObserved(key);
      const e = classifyWriteError(r.reason, 'create pod', template.metadata?.generateName);
      events.emit(pool, 'Warning', REASONS.createFailed, maybe ? `${e.message}${MAYBE_MADE}` : e.message);
      errors.push(e);
    }
  }
  for (let i = 0; i < remaining; i++) expectations.creationObserved(key); // skipped after a failure
  if (created.length > 0) events.emit(pool, 'Normal', REASONS.created, `Created ${podList(created)}`);
  return errors;
}

/** "pod a (why)" or "3 pods (why): a, b, c" (one Event per reconcile, not one per pod). */
export function podList(names: readonly string[], why?: string): string {
  const reason = why ? ` (${why})` : '';
  if (names.length === 1) return `pod ${names[0]}${reason}`;
  const shown = names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', ');
  return `${names.length} pods${reason}: ${shown}`;
}
