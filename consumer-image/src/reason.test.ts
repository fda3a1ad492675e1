import { describe, expect, it } from 'vitest';
import { reasonText } from './reason.ts';

describe('reasonText', () => {
  it('turns any value into a readable string', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(reasonText('x')).toBe('x');
    expect(reasonText(undefined)).toBe('no reason given');
    expect(reasonText(null, 'none')).toBe('none');
    expect(reasonText(new RangeError('r'))).toBe('RangeError: r');
    expect(reasonText({ a: 1 })).toBe('{"a":1}');
    expect(reasonText(Object.create(null))).toBe('{}');
    expect(reasonText(10n)).toBe('10');
    expect(reasonText(cycle)).toBe('[object Object]');
    expect(reasonText(Symbol('s'))).toBe('Symbol(s)');
    expect(reasonText(Object.assign(Object.create(null) as object, { toJSON: () => { throw new Error('no'); } }))).toBe('a value of type object');
  });
});
