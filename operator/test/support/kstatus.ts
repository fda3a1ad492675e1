// kstatus, the library Flux, kpt and Helm 4's --wait read readiness with: hack/kstatus (Go) run on real objects.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clusterConfig } from '../../../test-e2e/cluster/index.ts';
import type { Kube } from './kube.ts';

const run = promisify(execFile);
const SOURCE = fileURLToPath(new URL('../../../hack/kstatus', import.meta.url));

export interface KstatusResult {
  name: string;
  /** InProgress, Current, Failed, Terminating, ... */
  status: string;
  message: string;
}

/**
 * The kstatus binary in the cache's bin folder, built from hack/kstatus with the Go toolchain (modules from the Go
 * module proxy, into Go's own module cache) when it is missing or older than its sources.
 */
export async function kstatusBinary(): Promise<string> {
  const bin = join(clusterConfig().binDir, 'kstatus');
  const age = (path: string): number => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(...['main.go', 'go.mod', 'go.sum'].map((f) => age(join(SOURCE, f))));
  if (age(bin) < sources) await run('go', ['build', '-o', bin, '.'], { cwd: SOURCE, env: { ...process.env, CGO_ENABLED: '0' } });
  return bin;
}

/** What kstatus computes for a pool as the API server has it now. */
export async function kstatusOf(k: Kube, bin: string, namespace: string, pool: string): Promise<KstatusResult> {
  const json = await k.kubectl('get', '-n', namespace, 'cpool', pool, '-o', 'json');
  const child = execFile(bin, [], { encoding: 'utf8' });
  const out = new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (d: string) => { stdout += d; });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kstatus exited ${code}`))));
  });
  child.stdin?.end(json);
  const [result] = JSON.parse(await out) as KstatusResult[];
  if (!result) throw new Error('kstatus printed no result');
  return result;
}
