import { describe, expect, it } from 'vitest';
import { check, evaluateAll, prometheusCount, type SeriesCount } from './evaluate.ts';

/** A stand-in Prometheus that knows some metric names: a selector counts when its name is known, any other query
 * counts when every name in it is known (a crude evaluator, enough to tell the checker's logic apart). */
function fakeCount(known: string[], refuse?: RegExp): SeriesCount {
  return (promql) => {
    if (refuse?.test(promql)) return Promise.reject(new Error('parse error'));
    const names = promql.match(/[a-z_]+_(total|status|replicas|bucket)\b/g) ?? [];
    return Promise.resolve(names.length > 0 && names.every((n) => known.includes(n)) ? 1 : 0);
  };
}

const known = ['hare_consumer_messages_acked_total', 'leader_election_master_status', 'hare_autoscaler_max_replicas'];

describe('the kit evaluator', () => {
  it('passes an expression whose selectors and probe all return series', async () => {
    expect(await check({ source: 'p', expr: 'sum(rate(hare_consumer_messages_acked_total[1m])) > 0' }, fakeCount(known))).toEqual([]);
  });

  it('fails a misspelt metric name, even where the expression itself would return series (absent, or vector(0))', async () => {
    const findings = await evaluateAll([
      { source: 'a', expr: 'absent(leader_election_master_statuss{name="x"})' },
      { source: 'b', expr: 'count(hare_consumer_messages_aked_total) or vector(0)' },
    ], (q) => (q.includes('absent') || q.includes('vector(0)') ? Promise.resolve(1) : fakeCount(known)(q)));
    expect(findings.map((f) => [f.source, f.problem])).toEqual([
      ['a', 'no series: leader_election_master_statuss{name="x"}'],
      ['a', 'no series: the expression (as count(leader_election_master_statuss{name="x"}))'],
      ['b', 'no series: hare_consumer_messages_aked_total'],
    ]);
  });

  it('reports a query Prometheus refuses, and an expression that reads nothing', async () => {
    const findings = await evaluateAll([{ source: 'c', expr: 'hare_autoscaler_max_replicas >' }, { source: 'd', expr: 'vector(1)' }], fakeCount(known, />\s*bool$/));
    expect(findings.map((f) => [f.source, f.problem.split(':')[0]])).toEqual([['c', 'query refused (the expression (as hare_autoscaler_max_replicas > bool))'], ['d', 'reads no series at all']]);
  });

  it('counts the series of a Prometheus API answer and turns an error answer into a rejection', async () => {
    const answers: Record<string, object> = {
      good: { status: 'success', data: { resultType: 'vector', result: [{}, {}] } },
      bad: { status: 'error', error: 'parse error at char 3' },
    };
    const fetchImpl = ((url: string) => Promise.resolve(new Response(JSON.stringify(answers[new URL(url).searchParams.get('query')!])))) as typeof fetch;
    const count = prometheusCount('http://prom', fetchImpl);
    expect(await count('good')).toBe(2);
    await expect(count('bad')).rejects.toThrow('parse error at char 3');
  });
});
