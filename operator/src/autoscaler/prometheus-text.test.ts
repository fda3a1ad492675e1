// The Prometheus text reader: one family's samples, labels with escapes, other families and junk skipped.
import { describe, expect, it } from 'vitest';
import { samples, sumOf } from './prometheus-text.ts';

const RUNTIME = `# HELP hare_consumer_messages_in_flight Messages delivered to this consumer and not settled yet.
# TYPE hare_consumer_messages_in_flight gauge
hare_consumer_messages_in_flight{namespace="shop",pool="orders",queue="orders",module="orders"} 3
hare_consumer_messages_in_flight_total{pool="orders"} 99
hare_consumer_messages_received_total{pool="orders"} 41
process_cpu_seconds_total 1.5
`;

describe('samples and sumOf', () => {
  it('reads the one family asked for, not another whose name it starts', () => {
    expect(sumOf(RUNTIME, 'hare_consumer_messages_in_flight')).toBe(3);
    expect(sumOf(RUNTIME, 'process_cpu_seconds_total')).toBe(1.5);
  });

  it('is undefined when the family is absent (a 0 would read as idle)', () => {
    expect(sumOf(RUNTIME, 'hare_consumer_nothing')).toBeUndefined();
    expect(sumOf('', 'hare_consumer_messages_in_flight')).toBeUndefined();
  });

  it('sums several series, with timestamps and escaped label values', () => {
    const text = 'm{q="a\\"b",v="/"} 2 1700000000000\nm{q="c\\\\d",v="x\\ny"} 5\nm 1\n';
    expect(samples(text, 'm')).toEqual([
      { labels: { q: 'a"b', v: '/' }, value: 2 },
      { labels: { q: 'c\\d', v: 'x\ny' }, value: 5 },
      { labels: {}, value: 1 },
    ]);
  });

  it('skips malformed lines and values that are not finite numbers, keeping the rest', () => {
    const text = 'm{q="unterminated 3\nm{q=bare} 4\nm{q="ok"} NaN\nm{q="ok"} +Inf\nm{q="ok"} nope\nm{q="ok"} 7\n';
    expect(sumOf(text, 'm')).toBe(7);
  });
});
