// The chart's monitoring kit, checked without a cluster: promtool on the rendered rules (and their unit tests), and
// every metric and label the rules and the dashboard read is one the code exports.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dump } from 'js-yaml';
import type { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../consumer-image/src/metrics.ts';
import { ScalerMetrics } from '../../operator/src/autoscaler/scaler-metrics.ts';
import { OperatorMetrics } from '../../operator/src/metrics.ts';
import { CHART, kitExpressions, renderKit } from './kit.ts';
import { selectors } from './promql.ts';

const run = promisify(execFile);
const PROMTOOL_HINT = 'promtool is missing: install Debian\'s prometheus package (apt-get install -y prometheus, or bash hack/cluster-deps.sh)';

async function promtool(...args: string[]): Promise<string> {
  if (!existsSync('/usr/bin/promtool')) {
    const onPath = await run('sh', ['-c', 'command -v promtool']).then(() => true, () => false);
    if (!onPath) throw new Error(PROMTOOL_HINT);
  }
  const r = await run('promtool', args, { cwd: dir }).catch((e: { stdout: string; stderr: string }) => ({ stdout: `${e.stdout}${e.stderr}`, failed: true }));
  if ('failed' in r) throw new Error(`promtool ${args.join(' ')}:\n${r.stdout}`);
  return r.stdout;
}

/** Metric names as exposed (histograms with _bucket/_sum/_count) and the labels each carries. */
function exported(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (registry: Registry, shared: string[]): void => {
    for (const m of registry.getMetricsAsArray() as unknown as { name: string; type?: string; labelNames?: string[]; values?: unknown; get: unknown }[]) {
      const labels = new Set([...shared, ...(m.labelNames ?? [])]);
      const names = m.type === 'histogram' || String((m as { constructor: { name: string } }).constructor.name).includes('Histogram')
        ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name];
      for (const n of names) out.set(n, n.endsWith('_bucket') ? new Set([...labels, 'le']) : labels);
    }
  };
  const operator = new OperatorMetrics(false);
  new ScalerMetrics(operator.registry);
  add(operator.registry, ['namespace', 'pod']); // namespace and pod: the scrape's target labels
  const consumer = createMetrics({ namespace: 'n', pool: 'p', queue: 'q', module: 'm' });
  add(consumer.registry, ['namespace', 'pool', 'queue', 'module', 'pod', 'outcome']);
  return out;
}

let dir: string;
let kit: Awaited<ReturnType<typeof renderKit>>;
beforeAll(async () => {
  kit = await renderKit();
  dir = mkdtempSync(join(tmpdir(), 'hare-rules-'));
  writeFileSync(join(dir, 'rules.yaml'), dump({ groups: kit.groups }));
  copyFileSync(new URL('alerts.promtool.yaml', import.meta.url), join(dir, 'alerts.promtool.yaml'));
});

describe('the monitoring kit', () => {
  it('has rules promtool accepts', async () => {
    expect(await promtool('check', 'rules', 'rules.yaml')).toMatch(/SUCCESS: 6 rules found/);
  });

  it('fires each alert when it should and not otherwise (promtool test rules)', async () => {
    expect(await promtool('test', 'rules', 'alerts.promtool.yaml')).toMatch(/SUCCESS/);
  });

  it('reads only metrics the operator, the autoscaler and the consumer runtime export, with labels they carry', () => {
    const known = exported();
    const problems = kitExpressions(kit).flatMap((e) => selectors(e.expr).flatMap((s) => {
      const name = /^[a-zA-Z_:][\w:]*/.exec(s)?.[0] ?? '';
      const labels = [...s.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g)].map((m) => m[1]!);
      if (!known.has(name)) return [`${e.source}: ${name} is not exported`];
      return labels.filter((l) => !known.get(name)!.has(l)).map((l) => `${e.source}: ${name} has no label ${l}`);
    }));
    expect(problems).toEqual([]);
  });

  it('gives every per-pool series its own namespace label (the operator runs in another namespace than its pools)', () => {
    const operator = new OperatorMetrics(false);
    new ScalerMetrics(operator.registry);
    const perPool = (operator.registry.getMetricsAsArray() as unknown as { name: string; labelNames?: string[] }[]).filter((m) => m.labelNames?.includes('pool'));
    expect(perPool.length).toBeGreaterThan(5);
    expect(perPool.filter((m) => !m.labelNames!.includes('namespace')).map((m) => m.name)).toEqual([]);
  });

  it('covers pools, depth, replicas and decisions, drains, retries and dead-letters, handler latency and the operator', () => {
    const titles = kit.dashboard.panels.map((p) => p.title);
    for (const t of ['Pools', 'Queue depth', 'Replicas', 'Autoscaler decisions', 'Drain duration', 'Retries and dead-letters', 'Handler latency', 'Leader']) {
      expect(titles).toContain(t);
    }
    expect(kit.groups.flatMap((g) => g.rules.map((r) => r.alert))).toEqual([
      'HarePoolDeadLetters', 'HarePoolAtMaxWithGrowingBacklog', 'HareBrokerUnreachable', 'HareConsumersDisconnected', 'HareOperatorNotLeading', 'HareOperatorAbsent',
    ]);
  });

  it('keeps the CRD out of crds/, where helm would install it a second time and never upgrade it', () => {
    expect(existsSync(join(CHART, 'crds'))).toBe(false);
  });
});
