// A lean labelled histogram for the per-message hot path, exposed through a prom-client Registry.
// prom-client's Histogram hashes its labels on every observe(); here a label value picks a
// pre-allocated series, and observe() is a bucket search and three additions.
import type { Registry } from 'prom-client';

interface Series {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export interface HistogramOptions<V extends string> {
  readonly name: string;
  readonly help: string;
  readonly label: string;
  readonly values: readonly V[];
  /** Upper bounds, ascending; +Inf is implied. */
  readonly buckets: readonly number[];
}

/** The series for one label value: observe(value) records one observation. */
export interface HistogramSeries {
  observe(value: number): void;
}

interface Exported {
  readonly labels: Record<string, string | number>;
  /** The series' own labels (rendered after `le` and the registry's default labels, as prom-client does). */
  readonly sharedLabels: Record<string, string>;
  readonly value: number;
  readonly metricName: string;
}

export class LeanHistogram<V extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #options: HistogramOptions<V>;
  readonly #series = new Map<V, Series>();

  constructor(options: HistogramOptions<V>, registry: Registry) {
    this.name = options.name;
    this.help = options.help;
    this.#options = options;
    for (const v of options.values) this.#series.set(v, { counts: new Float64Array(options.buckets.length + 1), sum: 0, count: 0 });
    registry.registerMetric(this as never);
  }

  /** The series of one label value; keep it and call observe() on it. */
  labels(value: V): HistogramSeries {
    const series = this.#series.get(value);
    if (series === undefined) throw new RangeError(`${this.name}: unknown ${this.#options.label} ${value}`);
    const bounds = this.#options.buckets;
    return {
      observe: (v: number): void => {
        let i = 0;
        while (i < bounds.length && v > bounds[i]!) i++;
        series.counts[i]! += 1;
        series.sum += v;
        series.count += 1;
      },
    };
  }

  /** The Registry's view (same shape as prom-client's own histograms: cumulative buckets, sum, count). */
  get(): { name: string; help: string; type: string; aggregator: string; values: Exported[] } {
    const { label, buckets } = this.#options;
    const values: Exported[] = [];
    for (const [v, s] of this.#series) {
      if (s.count === 0) continue;
      const sharedLabels = { [label]: v };
      let cumulative = 0;
      buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { le }, sharedLabels, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: {}, sharedLabels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const s of this.#series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
