// A dead-letter replay as a person asks for it (annotations on the pool) and what the operator should do about it,
// decided purely from the pool: nothing, run (start or resume), or refuse a malformed request.
import type { Pool } from '../api/pool.ts';
import { ANNOTATIONS } from '../metadata.ts';

export interface ReplayRequest {
  readonly id: string;
  /** undefined: every message in the dead queue when the request starts. */
  readonly count: number | undefined;
}

export type ReplayDecision =
  | { readonly action: 'none' }
  | { readonly action: 'run'; readonly request: ReplayRequest }
  | { readonly action: 'refuse'; readonly id: string; readonly message: string };

const MAX_ID = 63;

/** What to do for the pool's replay annotations, given what status.replay says was done. */
export function replayDecision(pool: Pool): ReplayDecision {
  const a = pool.metadata.annotations ?? {};
  const id = a[ANNOTATIONS.replay]?.trim() ?? '';
  if (id === '') return { action: 'none' };
  const done = pool.status?.replay;
  if (done?.requestId === id && done.state !== 'Running') return { action: 'none' }; // carried out once
  if (id.length > MAX_ID) return { action: 'refuse', id: id.slice(0, MAX_ID), message: `${ANNOTATIONS.replay} must be at most ${MAX_ID} characters` };
  const count = parseCount(a[ANNOTATIONS.replayCount]);
  return typeof count === 'string' ? { action: 'refuse', id, message: count } : { action: 'run', request: { id, count } };
}

/** The count annotation: undefined for all, a number, or why it is not one. */
function parseCount(raw: string | undefined): number | undefined | string {
  const text = raw?.trim() ?? '';
  if (text === '') return undefined;
  const count = Number(text);
  return Number.isInteger(count) && count >= 1 ? count : `${ANNOTATIONS.replayCount} must be a whole number of messages, at least 1 (got ${JSON.stringify(text)})`;
}
