import { describe, expect, it } from 'vitest';
import { RESULT_BRAND, reject, resultKind, retry } from './api.ts';

describe('result helpers', () => {
  it('brand retry and reject results', () => {
    expect(resultKind(retry())).toBe('retry');
    expect(resultKind(retry('later'))).toBe('retry');
    expect(resultKind(reject('bad'))).toBe('reject');
    expect(reject('bad').reason).toBe('bad');
  });

  it('treat anything unbranded as ack, including look-alikes', () => {
    for (const v of [undefined, null, 0, 'retry', { kind: 'retry' }, { reason: 'x' }, [], { [RESULT_BRAND]: 'other' }]) {
      expect(resultKind(v)).toBe('ack');
    }
  });

  it('recognise results made by another copy of the API (Symbol.for brand)', () => {
    expect(resultKind({ [Symbol.for('hare-operator.consume-result')]: 'reject', reason: 'r' })).toBe('reject');
  });
});
