// The verdict and the report text: required points decide, optional ones only with --strict.
import { describe, expect, it } from 'vitest';
import { formatReport, verdict } from './report.ts';
import type { Point, Report } from './report.ts';

const point = (name: string, required: boolean, passed: boolean): Point => ({ name, required, passed, detail: `${name} detail` });
const report = (points: Point[]): Report => ({ target: 'image x', queue: 'conformance.q', podName: 'conformance-p', points, tail: 'last line' });

describe('verdict', () => {
  it('fails on a required point only; optional failures count only with --strict', () => {
    const optionalFailed = [point('a', true, true), point('b', false, false)];
    expect(verdict(optionalFailed, false)).toEqual({ passed: true, failedRequired: 0, failedOptional: 1 });
    expect(verdict(optionalFailed, true).passed).toBe(false);
    expect(verdict([point('a', true, false), point('b', false, true)], false)).toEqual({ passed: false, failedRequired: 1, failedOptional: 0 });
  });
});

describe('formatReport', () => {
  it('prints a line per point and the output tail when one failed', () => {
    const text = formatReport(report([point('drains on SIGTERM', true, false), point('topology', false, true)]), false);
    expect(text).toContain('  FAIL  required  drains on SIGTERM: drains on SIGTERM detail');
    expect(text).toContain('  PASS  optional  topology: topology detail');
    expect(text).toContain('    | last line');
    expect(text.split('\n').at(-1)).toBe('result: DOES NOT CONFORM (failed: 1 required)');
  });

  it('leaves the tail out when everything passed', () => {
    const text = formatReport(report([point('a', true, true)]), false);
    expect(text).not.toContain('last output');
    expect(text.split('\n').at(-1)).toBe('result: CONFORMS');
  });
});
