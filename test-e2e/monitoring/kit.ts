// The chart's monitoring kit as rendered by helm: the PrometheusRule's groups and the dashboard's queries.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { clusterConfig } from '../cluster/index.ts';
import type { KitExpression } from './evaluate.ts';
import { grafanaToPromql } from './promql.ts';

const run = promisify(execFile);
export const CHART = new URL('../../charts/hare-operator', import.meta.url).pathname;
export const HELM = join(clusterConfig().binDir, 'helm');
export const KIT_VALUES = ['metrics.prometheusRule.enabled=true', 'metrics.dashboard.enabled=true', 'metrics.podMonitor.enabled=true', 'metrics.serviceMonitor.enabled=true'];

/** The Kubernetes version helm renders for: the one the local cluster is built at (a helm built from source assumes 1.20). */
export function kubeVersion(binDir = clusterConfig().binDir): string {
  const file = join(binDir, 'VERSIONS');
  return (existsSync(file) ? /^kubernetes=v?(\S+)$/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined) ?? '1.34.4';
}

export interface RuleGroup { name: string; rules: { alert?: string; record?: string; expr: string }[] }
interface Doc { kind: string; metadata: { name: string }; spec?: { groups: RuleGroup[] }; data?: Record<string, string> }
interface Panel { title?: string; panels?: Panel[]; targets?: { expr?: string }[] }

export interface Dashboard { panels: Panel[]; templating: { list: { name: string; query?: { query: string } | string }[] } }

/** Renders the chart (release hare-operator in hare-system) with the monitoring kit on, plus `set`. */
export async function renderKit(...set: string[]): Promise<{ groups: RuleGroup[]; dashboard: Dashboard }> {
  if (!existsSync(HELM)) throw new Error(`${HELM} is missing: build it with bash hack/build-binaries.sh helm`);
  const args = ['template', 'hare-operator', CHART, '-n', 'hare-system', '--kube-version', kubeVersion(), ...[...KIT_VALUES, ...set].flatMap((s) => ['--set', s])];
  const { stdout } = await run(HELM, args, { maxBuffer: 64 << 20 });
  const docs = (loadAll(stdout) as (Doc | null)[]).filter((d): d is Doc => d !== null);
  const rule = docs.find((d) => d.kind === 'PrometheusRule');
  const dash = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-dashboard'));
  if (!rule?.spec || !dash?.data) throw new Error('the chart rendered no PrometheusRule or no dashboard ConfigMap');
  return { groups: rule.spec.groups, dashboard: JSON.parse(Object.values(dash.data)[0]!) as Dashboard };
}

/** Every alert expression and every dashboard query (Grafana variables at "All"), each named by where it is. */
export function kitExpressions(kit: Awaited<ReturnType<typeof renderKit>>): KitExpression[] {
  const alerts = kit.groups.flatMap((g) => g.rules.map((r) => ({ source: `alert ${r.alert ?? r.record}`, expr: r.expr.trim() })));
  const walk = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...walk(p.panels ?? [])]);
  const panels = walk(kit.dashboard.panels).flatMap((p) =>
    (p.targets ?? []).filter((t) => t.expr).map((t, i) => ({ source: `panel "${p.title}" #${i + 1}`, expr: grafanaToPromql(t.expr!) })));
  const variables = kit.dashboard.templating.list.flatMap((v) => {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    const inner = q && /^label_values\((.+),\s*\w+\)$/.exec(q)?.[1];
    return inner ? [{ source: `variable $${v.name}`, expr: grafanaToPromql(inner) }] : [];
  });
  return [...alerts, ...panels, ...variables];
}
