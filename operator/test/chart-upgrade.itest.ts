// helm upgrade from the previous chart (0.1.0, commit 7d49eb4, CRD in crds/) to this one (CRD templated), on the shared
// control plane: the upgrade refuses to leave the old CRD silently, and the documented --take-ownership upgrade goes
// through with the new schema. Server-side dry runs only past the old install: the shared CRD stays as it is
// (test-e2e/monitoring.e2e.ts upgrades for real on its own cluster and sees the schema change).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from '../../test-e2e/cluster/index.ts';
import { freshNamespace, kube, type Kube } from './support/kube.ts';

const run = promisify(execFile);
const HELM = join(clusterConfig().binDir, 'helm');
const REPO = new URL('../..', import.meta.url).pathname;
const PREVIOUS = '7d49eb4';
const NO_NODE = 'nodeSelector.hare\\.dev/integration=no-such-node';

let k: Kube;
let ns: string;
let oldChart: string;
const helm = (...args: string[]): Promise<{ ok: boolean; out: string }> =>
  run(HELM, ['--kubeconfig', k.kubeconfig, ...args], { maxBuffer: 64 << 20 })
    .then((r) => ({ ok: true, out: r.stdout }), (e: { stdout: string; stderr: string }) => ({ ok: false, out: `${e.stdout}${e.stderr}` }));
const values = (): string[] => ['--set', `watchNamespace=${ns}`, '--set', 'replicaCount=1', '--set', NO_NODE];

beforeAll(async () => {
  k = kube();
  ns = await freshNamespace(k, 'chart-upgrade');
  oldChart = mkdtempSync(join(tmpdir(), 'hare-chart-'));
  execFileSync('sh', ['-c', `git -C "${REPO}" archive ${PREVIOUS} charts/hare-operator | tar -x -C "${oldChart}"`]);
  const installed = await helm('install', 'hare-upgrade', join(oldChart, 'charts/hare-operator'), '-n', ns, ...values());
  expect(installed).toMatchObject({ ok: true });
});

afterAll(async () => {
  await helm('uninstall', 'hare-upgrade', '-n', ns);
  await k?.kubectlResult('delete', 'namespace', ns, '--wait=false');
});

describe(`helm upgrade from chart ${PREVIOUS}`, () => {
  it('refuses, loudly, to upgrade around a CRD it does not own (it never leaves the old schema silently)', async () => {
    const r = await helm('upgrade', 'hare-upgrade', join(REPO, 'charts/hare-operator'), '-n', ns, ...values(), '--dry-run=server');
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/CustomResourceDefinition "consumerpools.hare.dev" .*cannot be imported into the current release: invalid ownership metadata/);
  });

  it('goes through with --take-ownership (the documented first upgrade) and applies the CRD of this chart', async () => {
    const r = await helm('upgrade', 'hare-upgrade', join(REPO, 'charts/hare-operator'), '-n', ns, ...values(), '--dry-run=server', '--take-ownership', '-o', 'json');
    expect(r).toMatchObject({ ok: true });
    const crd = (loadAll((JSON.parse(r.out) as { manifest: string }).manifest) as ({ kind?: string; spec?: { versions: { additionalPrinterColumns: { name: string }[] }[] }; metadata?: { annotations?: object } } | null)[])
      .find((d) => d?.kind === 'CustomResourceDefinition');
    expect(crd?.spec?.versions[0]!.additionalPrinterColumns.map((c) => c.name)).toContain('Status'); // not in 0.1.0's CRD
    expect(crd?.metadata?.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
  });

  it('goes through without adoption when the CRD is managed outside the release (crds.install=false)', async () => {
    const r = await helm('upgrade', 'hare-upgrade', join(REPO, 'charts/hare-operator'), '-n', ns, ...values(), '--set', 'crds.install=false', '--dry-run=server');
    expect(r).toMatchObject({ ok: true });
    expect(r.out).not.toContain('kind: CustomResourceDefinition');
  });
});
