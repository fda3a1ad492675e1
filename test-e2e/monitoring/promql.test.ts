import { describe, expect, it } from 'vitest';
import { grafanaToPromql, probe, selectors } from './promql.ts';

describe('selectors', () => {
  it('finds the series an expression reads, and not its functions, modifiers, label lists or numbers', () => {
    const expr = 'histogram_quantile(0.99, sum by (namespace, pool, le) (rate(hare_consumer_handler_duration_seconds_bucket{namespace=~".+", pool=~"a,b{c}"}[5m] offset 1m)))';
    expect(selectors(expr)).toEqual(['hare_consumer_handler_duration_seconds_bucket{namespace=~".+", pool=~"a,b{c}"}']);
  });

  it('reads both sides of binary and set operators, and label_replace strings are not selectors', () => {
    const expr = 'max by (namespace, pool) (a_total) >= on (namespace, pool) group_left (x) b and sum(rate(c[1m])) by (le) > 1e3 or vector(0) unless label_replace(d, "dst", "x", "src", "(.*)")';
    expect(selectors(expr)).toEqual(['a_total', 'b', 'c', 'd']);
  });

  it('keeps a bare {__name__=...} selector and absent() arguments', () => {
    expect(selectors('absent(up{job="x"}) or {__name__="y"}')).toEqual(['up{job="x"}', '{__name__="y"}']);
  });
});

describe('probe', () => {
  it('makes comparisons bool outside matchers and strings, and absent() a count()', () => {
    expect(probe('sum(x{a!="1", b=~"<>"}) > 0 and y <= bool 2 or absent(z{c="d"}) == 1'))
      .toBe('sum(x{a!="1", b=~"<>"}) > bool 0 and y <= bool 2 or count(z{c="d"}) == bool 1');
  });

  it('leaves an expression without comparisons alone', () => {
    expect(probe('rate(a[5m])')).toBe('rate(a[5m])');
  });
});

describe('grafanaToPromql', () => {
  it('sets the interval variables to 1m and every other variable to a non-empty match', () => {
    expect(grafanaToPromql('rate(x{namespace=~"$namespace", pool=~"${pool}"}[$__rate_interval])')).toBe('rate(x{namespace=~".+", pool=~".+"}[1m])');
  });
});
