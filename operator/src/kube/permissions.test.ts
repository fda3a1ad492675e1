import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownerReference } from '../api/pool.ts';
import { makePool } from '../testing/fixtures.ts';
import { CLIENT_CALLS, IMPLIED, requiredPermissions } from './permissions.ts';

const SRC = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Calls that look like generated Kubernetes client methods, across the operator's source. */
function clientCalls(): Set<string> {
  const found = new Set<string>();
  const pattern = /\.((?:read|list|create|delete|patch|replace)(?:Namespaced\w*|Cluster\w*|\w+ForAllNamespaces))\(/g;
  for (const file of sources(SRC)) for (const m of readFileSync(file, 'utf8').matchAll(pattern)) found.add(m[1]!);
  return found;
}

describe('permissions', () => {
  it('cover every client call the operator makes, and list no call it does not make', () => {
    const used = clientCalls();
    expect([...used].filter((m) => !(m in CLIENT_CALLS))).toEqual([]);
    expect(Object.keys(CLIENT_CALLS).filter((m) => !used.has(m))).toEqual([]);
  });

  it('are the set the chart grants (see operator/test/chart.itest.ts for the rendered RBAC)', () => {
    expect(requiredPermissions().map((p) => p.join(' ')).sort()).toEqual([
      ' events create', ' events patch', ' pods create', ' pods delete', ' pods list', ' pods watch', ' secrets get',
      'coordination.k8s.io leases create', 'coordination.k8s.io leases get', 'coordination.k8s.io leases update',
      'hare.dev consumerpools list', 'hare.dev consumerpools patch', 'hare.dev consumerpools watch',
      'hare.dev consumerpools/finalizers update', 'hare.dev consumerpools/scale patch', 'hare.dev consumerpools/status patch',
    ].sort());
  });

  it('include update on consumerpools/finalizers because pods block their pool\'s deletion', () => {
    expect(ownerReference(makePool()).blockOwnerDeletion).toBe(true);
    expect(IMPLIED).toEqual([['hare.dev', 'consumerpools/finalizers', 'update']]);
  });
});
