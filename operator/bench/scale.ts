// npm run bench:scale: N pools x R pods on the real API server. Prints time to converge, the operator's peak and
// steady RSS, its API writes during a quiet minute, and its broker connections (all pools autoscaled, one broker).
// Flags: --pools N (1000), --replicas R (5), --quiet S (60), --heap-mb M (the operator's V8 old-space limit;
// default: Node's own). Pods never run: they match no node.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AMQP_URI, benchEnvironment } from './environment.ts';
import { GROUP, PLURAL, VERSION } from '../src/metadata.ts';
import { startOperator } from '../test/support/operator-process.ts';
import { poolManifest } from '../test/support/pools.ts';

const { values } = parseArgs({
  options: { pools: { type: 'string', default: '1000' }, replicas: { type: 'string', default: '5' }, quiet: { type: 'string', default: '60' }, 'heap-mb': { type: 'string' } },
});
const [pools, replicas, quietS] = [Number(values.pools), Number(values.replicas), Number(values.quiet)];
const log = (msg: string): void => console.log(`[bench:scale ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const env = await benchEnvironment('bench-scale', { uri: AMQP_URI });
const { core, custom, name: ns, name: queue, name: identity } = env;
// measure what ships: the compiled operator (the image runs dist/, not the TypeScript source)
const repo = new URL('../..', import.meta.url).pathname;
execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'operator/tsconfig.build.json')]);
writeFileSync(join(repo, 'dist/package.json'), '{ "type": "module" }\n');
const heap: Record<string, string> = values['heap-mb'] ? { NODE_OPTIONS: `--max-old-space-size=${values['heap-mb']}` } : {};
const op = await startOperator(env.cluster.kubeconfig, ['--namespace', ns, '--log-level', 'warn'], { POD_NAME: identity, ...heap }, join(repo, 'dist/operator/src/main.js'));
const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${op.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 200);
const writes = async (): Promise<number> =>
  [...(await op.metrics()).matchAll(/^hare_api_writes_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);

try {
  log(`creating ${pools} pools x ${replicas} pods in ${ns}`);
  const started = Date.now();
  const autoscaling = { enabled: true, minReplicas: replicas, maxReplicas: replicas, pollIntervalSeconds: 5 };
  for (let i = 0; i < pools; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, pools - i) }, (_, j) => {
      const body = poolManifest(`p${i + j}`, { replicas, extra: { autoscaling } });
      (body.spec as { queue: { name: string } }).queue.name = queue;
      return custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, body });
    }));
  }
  const created = Date.now();
  log(`pools created in ${((created - started) / 1000).toFixed(1)} s; waiting for ${pools * replicas} pods and every status`);
  for (;;) {
    const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns })) as { items: { status?: { replicas?: number } }[] };
    const done = list.items.filter((p) => p.status?.replicas === replicas).length;
    if (done === pools) break;
    if (Date.now() - started > 20 * 60_000) throw new Error(`not converged after 20 min: ${done}/${pools}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const converged = Date.now();
  const pods = (await core.listNamespacedPod({ namespace: ns })).items.length;
  log(`converged: ${pods} pods`);
  await new Promise((r) => setTimeout(r, 10_000)); // let the last status writes and the autoscaler's first polls settle
  const before = await writes();
  const steadyStart = rss();
  await new Promise((r) => setTimeout(r, quietS * 1000));
  const quietWrites = (await writes()) - before;
  const metric = (text: string, name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20;
  const text = await op.metrics();
  const heapUsed = metric(text, 'nodejs_heap_size_used_bytes');
  const external = metric(text, 'nodejs_external_memory_bytes');
  const heapTotal = metric(text, 'nodejs_heap_size_total_bytes');
  const connections = execFileSync('rabbitmqctl', ['-q', 'list_connections', 'client_properties'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(identity)).length;
  console.log(`
pools x pods                 ${pools} x ${replicas} (${pods} pods)
time to converge             ${((converged - started) / 1000).toFixed(1)} s from the first create (${((converged - created) / 1000).toFixed(1)} s after the last)
operator RSS                 peak ${peak.toFixed(0)} MB, steady ${steadyStart.toFixed(0)} -> ${rss().toFixed(0)} MB (V8 heap ${heapUsed.toFixed(0)} MB used of ${heapTotal.toFixed(0)} MB, external ${external.toFixed(0)} MB${values['heap-mb'] ? `, limit ${values['heap-mb']} MB` : ''})
API writes in a quiet ${quietS} s   ${quietWrites}
broker connections           ${connections} (all ${pools} pools autoscaled on one broker)
targets: converge <= 60 s, RSS <= 200 MB, 0 writes at steady state, O(brokers) connections`);
} finally {
  clearInterval(sampler);
  await op.stop();
  await env.close();
}
