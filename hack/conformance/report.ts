// The kit's report: each point passed or failed with its reason, required or optional, and the verdict.
export interface Point {
  readonly name: string;
  /** A required point failing fails the run; an optional one only with --strict. */
  readonly required: boolean;
  readonly passed: boolean;
  readonly detail: string;
}

export interface Report {
  readonly target: string;
  readonly queue: string;
  readonly podName: string;
  readonly points: readonly Point[];
  /** The consumer's last output lines, shown when a point failed. */
  readonly tail: string;
}

export interface Verdict {
  readonly passed: boolean;
  readonly failedRequired: number;
  readonly failedOptional: number;
}

export function verdict(points: readonly Point[], strict: boolean): Verdict {
  const failedRequired = points.filter((p) => !p.passed && p.required).length;
  const failedOptional = points.filter((p) => !p.passed && !p.required).length;
  return { passed: failedRequired === 0 && (!strict || failedOptional === 0), failedRequired, failedOptional };
}

/** Plain text, one line per point; the output tail only when something failed. */
export function formatReport(report: Report, strict: boolean): string {
  const v = verdict(report.points, strict);
  const lines = [
    `hare-operator pod contract conformance (docs/pod-contract.md): ${report.target}`,
    `  test pool: queue ${report.queue}, pod ${report.podName}${strict ? ', --strict: every point required' : ''}`,
    '',
    ...report.points.map((p) => `  ${p.passed ? 'PASS' : 'FAIL'}  ${p.required || strict ? 'required' : 'optional'}  ${p.name}: ${p.detail}`),
    '',
  ];
  if (v.failedRequired + v.failedOptional > 0 && report.tail !== '') {
    lines.push('  last output of the consumer:', ...report.tail.split('\n').map((l) => `    | ${l}`), '');
  }
  const failed = [v.failedRequired > 0 ? `${v.failedRequired} required` : '', v.failedOptional > 0 ? `${v.failedOptional} optional` : ''].filter(Boolean);
  lines.push(`result: ${v.passed ? 'CONFORMS' : 'DOES NOT CONFORM'}${failed.length > 0 ? ` (failed: ${failed.join(', ')})` : ''}`);
  return lines.join('\n');
}
