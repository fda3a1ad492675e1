// Unit tests: which replay request annotations lead to a run, to nothing (done once), or to a refusal.
import { describe, expect, it } from 'vitest';
import type { Pool } from '../api/pool.ts';
import { makePool } from '../testing/fixtures.ts';
import { replayDecision } from './request.ts';

function pool(annotations: Record<string, string>, replay?: NonNullable<Pool['status']>['replay']): Pool {
  const p = makePool();
  p.metadata.annotations = annotations;
  if (replay) p.status = { replay };
  return p;
}

describe('replayDecision', () => {
  it('runs a new request id, with or without a count', () => {
    expect(replayDecision(pool({ 'hare.dev/replay-dead': 'r1' }))).toEqual({ action: 'run', request: { id: 'r1', count: undefined } });
    expect(replayDecision(pool({ 'hare.dev/replay-dead': 'r1', 'hare.dev/replay-dead-count': ' 150 ' }))).toEqual({ action: 'run', request: { id: 'r1', count: 150 } });
  });

  it('does nothing without a request, or for a request already carried out; resumes one left Running', () => {
    expect(replayDecision(pool({}))).toEqual({ action: 'none' });
    expect(replayDecision(pool({ 'hare.dev/replay-dead': 'r1' }, { requestId: 'r1', state: 'Succeeded', moved: 3 }))).toEqual({ action: 'none' });
    expect(replayDecision(pool({ 'hare.dev/replay-dead': 'r1' }, { requestId: 'r1', state: 'Failed' }))).toEqual({ action: 'none' });
    expect(replayDecision(pool({ 'hare.dev/replay-dead': 'r1' }, { requestId: 'r1', state: 'Running', moved: 3 }))).toMatchObject({ action: 'run' });
    expect(replayDecision(pool({ 'hare.dev/replay-dead': 'r2' }, { requestId: 'r1', state: 'Succeeded' }))).toMatchObject({ action: 'run', request: { id: 'r2' } });
  });

  it.each(['0', '-3', '1.5', 'ten'])('refuses the count %j with a readable message', (count) => {
    expect(replayDecision(pool({ 'hare.dev/replay-dead': 'r1', 'hare.dev/replay-dead-count': count }))).toEqual({
      action: 'refuse', id: 'r1', message: `hare.dev/replay-dead-count must be a whole number of messages, at least 1 (got ${JSON.stringify(count)})`,
    });
  });

  it('refuses a request id longer than status can record', () => {
    expect(replayDecision(pool({ 'hare.dev/replay-dead': 'x'.repeat(64) }))).toMatchObject({ action: 'refuse', message: 'hare.dev/replay-dead must be at most 63 characters' });
  });
});
