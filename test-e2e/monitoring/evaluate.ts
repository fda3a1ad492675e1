// Evaluates a monitoring kit against a Prometheus: every selector an expression reads must have series, and the
// expression's probe form must return series. A misspelt metric or label value therefore fails, even inside absent().
import { probe, selectors } from './promql.ts';

/** One expression of the kit and where it comes from (a dashboard panel or an alert). */
export interface KitExpression {
  readonly source: string;
  readonly expr: string;
}

/** Series count of an instant query; rejects when Prometheus refuses the query. */
export type SeriesCount = (promql: string) => Promise<number>;

export interface Finding {
  readonly source: string;
  readonly expr: string;
  /** What returned no series, or the error Prometheus gave. */
  readonly problem: string;
}

/** What is wrong with one expression: [] when every selector and the probe return series. */
export async function check(e: KitExpression, count: SeriesCount): Promise<Finding[]> {
  const found: Finding[] = [];
  const ask = async (promql: string, what: string): Promise<void> => {
    try {
      if ((await count(promql)) === 0) found.push({ ...e, problem: `no series: ${what}` });
    } catch (err) {
      found.push({ ...e, problem: `query refused (${what}): ${(err as Error).message}` });
    }
  };
  const read = [...new Set(selectors(e.expr))];
  if (read.length === 0) return [{ ...e, problem: 'reads no series at all' }];
  for (const s of read) await ask(s, s);
  await ask(probe(e.expr), `the expression (as ${probe(e.expr)})`);
  return found;
}

/** Every finding over the kit, in order. */
export async function evaluateAll(kit: readonly KitExpression[], count: SeriesCount): Promise<Finding[]> {
  const all: Finding[] = [];
  for (const e of kit) all.push(...(await check(e, count)));
  return all;
}

/** A SeriesCount over Prometheus' HTTP API (instant queries at "now"). */
export function prometheusCount(baseUrl: string, fetchImpl: typeof fetch = fetch): SeriesCount {
  return async (promql) => {
    const res = await fetchImpl(`${baseUrl}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(body.error ?? `HTTP ${res.status}`);
    const { resultType, result } = body.data!;
    return resultType === 'vector' || resultType === 'matrix' ? (result as unknown[]).length : 1;
  };
}
