// metav1.Condition handling: set a condition, keeping lastTransitionTime unless the status flips.
import type { Condition } from '../api/pool.ts';
import type { ConditionType, Reason } from '../metadata.ts';

export interface ConditionInput {
  type: ConditionType;
  status: Condition['status'];
  reason: Reason;
  message: string;
}

/** Returns the conditions with `next` set; other types are kept, order is stable by type. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: ConditionInput,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  const previous = index >= 0 ? list[index] : undefined;
  const condition: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: next.message,
    lastTransitionTime: previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString(),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (index >= 0) list[index] = condition;
  else list.push(condition);
  return list.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/** The condition of a type, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
