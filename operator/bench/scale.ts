// npm run bench:scale: N pools x R pods on the real API server. Prints time to converge beside the anchors made on
// the same control plane in the same run (raw concurrent creates, the ReplicaSet controller), the operator's peak and
// idle RSS beside bare Node, its API writes by verb and resource during a quiet window, and its broker connections.
// The operator runs with the image's NODE_OPTIONS, its heap share sized to the chart's default memory limit.
// Flags: --pools N (1000), --replicas R (5), --quiet S (60), --anchors raw,rs (both; '' for none), --heap-mb M (the
// operator's V8 old-space limit, in place of the image's), --node-defaults (Node's own heap sizing, no image flags),
// --node-options '...' and --env K=V (the operator's process), --heap-snapshot DIR (writes one at idle and prints
// where its bytes are). Pods never run: they match no node.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteAndWait, RAW_CONCURRENCY, rawCreates, replicaSets } from './anchors.ts';
import { baselines, rssMb } from './baseline.ts';
import { heapSummary } from './heap-summary.ts';
import { imageFlags } from './image-flags.ts';
import { AMQP_URI, benchEnvironment } from './environment.ts';
import { GROUP, PLURAL, VERSION } from '../src/metadata.ts';
import { startOperator } from '../test/support/operator-process.ts';
import { poolManifest } from '../test/support/pools.ts';

const { values } = parseArgs({
  options: { pools: { type: 'string', default: '1000' }, replicas: { type: 'string', default: '5' }, quiet: { type: 'string', default: '60' }, anchors: { type: 'string', default: 'raw,rs' }, 'heap-mb': { type: 'string' }, 'node-defaults': { type: 'boolean' }, 'heap-snapshot': { type: 'string' }, 'node-options': { type: 'string' }, env: { type: 'string', multiple: true } },
});
const [pools, replicas, quietS] = [Number(values.pools), Number(values.replicas), Number(values.quiet)];
const log = (msg: string): void => console.log(`[bench:scale ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const env = await benchEnvironment('bench-scale', { uri: AMQP_URI });
const { core, custom, name: ns, name: queue, name: identity } = env;
// measure what ships: the compiled operator (the image runs dist/, not the TypeScript source)
const repo = new URL('../..', import.meta.url).pathname;
execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'operator/tsconfig.build.json')]);
writeFileSync(join(repo, 'dist/package.json'), '{ "type": "module" }\n');
const snapshotDir = values['heap-snapshot'];
const image = imageFlags(repo);
const shipped = values['node-defaults'] ? [] : image.flags.filter((f) => !(values['heap-mb'] && f.startsWith('--max-old-space-size=')));
const nodeOptions = [
  ...shipped,
  ...(values['node-options'] ? [values['node-options']] : []),
  ...(values['heap-mb'] ? [`--max-old-space-size=${values['heap-mb']}`] : []),
  ...(snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : []),
];
const heap: Record<string, string> = {
  ...Object.fromEntries((values.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  ...(nodeOptions.length ? { NODE_OPTIONS: nodeOptions.join(' ') } : {}),
};
const op = await startOperator(env.cluster.kubeconfig, ['--namespace', ns, '--log-level', 'warn'], { POD_NAME: identity, ...heap }, join(repo, 'dist/operator/src/main.js'));
const rss = (): number => rssMb(op.child.pid);
let peak = 0;
let stopped = false;
const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 200);
/** hare_api_writes_total by "verb resource". */
const writes = async (): Promise<Map<string, number>> => new Map([...(await op.metrics()).matchAll(/^hare_api_writes_total\{([^}]*)\} (\d+)/gm)]
  .map((m) => [[...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => l[2]).join(' '), Number(m[2])] as const));
const delta = (after: Map<string, number>, before: Map<string, number>): [string, number][] =>
  [...after].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as [string, number]).filter(([, n]) => n > 0);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

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
    // the shared API server may answer 429 while another engineer's test re-applies the CRD: ask again
    const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns }).catch(() => ({ items: [] }))) as { items: { status?: { replicas?: number } }[] };
    const done = list.items.filter((p) => p.status?.replicas === replicas).length;
    if (done === pools) break;
    if (op.child.exitCode !== null || op.child.signalCode !== null) {
      throw new Error(`the operator exited (${op.child.exitCode ?? op.child.signalCode}) with ${done}/${pools} pools converged; its last log lines:\n${op.logTail(10)}\nstderr: ${op.stderr().slice(-2000)}`);
    }
    if (Date.now() - started > 20 * 60_000) throw new Error(`not converged after 20 min: ${done}/${pools}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const converged = Date.now();
  const toConverge = await writes();
  const pods = (await core.listNamespacedPod({ namespace: ns })).items.length;
  log(`converged: ${pods} pods`);
  // at rest: the scheduler has marked every pod (the Ready message names why pods are not ready), and then the
  // last status writes and the autoscaler's first polls settle
  for (;;) {
    const listed = await core.listNamespacedPod({ namespace: ns }).catch(() => ({ items: [] }));
    if (listed.items.length >= pods && listed.items.every((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled'))) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  log(`every pod seen by the scheduler ${seconds(Date.now() - converged)} after converging`);
  await new Promise((r) => setTimeout(r, 10_000));
  const before = await writes();
  const quietFrom = Date.now();
  const steadyStart = rss();
  await new Promise((r) => setTimeout(r, quietS * 1000));
  const quiet = delta(await writes(), before);
  const quietWrites = quiet.reduce((n, [, k]) => n + k, 0);
  const idle = rss();
  const metric = (text: string, name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20;
  const text = await op.metrics();
  const heapUsed = metric(text, 'nodejs_heap_size_used_bytes');
  const external = metric(text, 'nodejs_external_memory_bytes');
  const heapTotal = metric(text, 'nodejs_heap_size_total_bytes');
  const snapshot = snapshotDir ? await heapSnapshot(op.child, snapshotDir) : undefined;
  const connections = execFileSync('rabbitmqctl', ['-q', 'list_connections', 'client_properties'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(identity)).length;
  await op.stop();
  stopped = true;
  clearInterval(sampler);
  const base = await baselines(repo);
  const anchors = values.anchors.split(',').filter(Boolean);
  const total = pools * replicas;
  log('removing the operator\'s pods before the anchors');
  await deleteAndWait(core, ns);
  const raw = anchors.includes('raw') ? await rawCreates(core, `${ns}-raw`, total) : undefined;
  if (raw !== undefined) log(`raw creates: ${raw.toFixed(1)} s`);
  const rs = anchors.includes('rs') ? await replicaSets(env.kc, core, `${ns}-rs`, pools, replicas) : undefined;
  const took = (converged - started) / 1000;
  const convergeWrites = [...toConverge.values()].reduce((n, k) => n + k, 0);
  console.log(`
pools x pods                 ${pools} x ${replicas} (${pods} pods)
time to make ${total} pods (same control plane, one after the other)
  hare-operator              ${took.toFixed(1)} s from the first pool create (${seconds(converged - created)} after the last), every status written${raw ? `; ${(took / raw).toFixed(2)}x the raw ceiling` : ''}
  raw creates, 1 client      ${raw ? `${raw.toFixed(1)} s (${(total / raw).toFixed(0)} pods/s, concurrency ${RAW_CONCURRENCY})` : 'not run (--anchors)'}
  ReplicaSet controller      ${rs ? `${rs.toFixed(1)} s (${pools} ReplicaSets x ${replicas}, kube-controller-manager's default client QPS 20, burst 30)${raw ? `; ${(rs / raw).toFixed(2)}x the raw ceiling` : ''}` : 'not run (--anchors)'}
API writes to converge       ${convergeWrites} (${[...toConverge].map(([k, n]) => `${k}: ${n}`).join(', ')})
API write rate               ${((convergeWrites + pools) / took).toFixed(0)}/s: the operator's writes and the bench's ${pools} pool creates over the time to converge${raw ? `; raw creates ${(total / raw).toFixed(0)}/s` : ''}
operator RSS                 peak ${peak.toFixed(0)} MB, idle ${steadyStart.toFixed(0)} -> ${idle.toFixed(0)} MB (V8 heap ${heapUsed.toFixed(0)} MB used of ${heapTotal.toFixed(0)} MB, external ${external.toFixed(0)} MB${values['heap-mb'] ? `, limit ${values['heap-mb']} MB` : ''}${heap.NODE_OPTIONS ? `, NODE_OPTIONS ${heap.NODE_OPTIONS}` : ''}${shipped.length === image.flags.length ? `: the image's flags under the chart's ${image.limit} limit` : ''}${values.env?.length ? `, ${values.env.join(' ')}` : ''})
  bare Node                  ${base.bare.toFixed(0)} MB; importing only @kubernetes/client-node ${base.clientNode.toFixed(0)} MB
API writes in a quiet ${quietS} s   ${quietWrites}${quiet.length ? ` (${quiet.map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}; from ${seconds(quietFrom - created)} to ${seconds(quietFrom - created + quietS * 1000)} after the last pool create (the 60 s scale-down windows seeded at each pool's first poll expire 60 to 65 s after its create)
broker connections           ${connections} (all ${pools} pools autoscaled on one broker)
targets: converge <= 1.3x raw, peak RSS <= 150 MB, idle <= 80 MB, 0 writes at rest, O(brokers) connections`);
  if (snapshot) {
    const { totalMb, rows } = heapSummary(snapshot);
    console.log(`heap snapshot at idle        ${snapshot}: ${totalMb.toFixed(1)} MB of objects; the largest groups by self size:`);
    for (const r of rows) console.log(`  ${r.mb.toFixed(1).padStart(6)} MB  ${String(r.count).padStart(8)}  ${r.what}`);
  }
} finally {
  clearInterval(sampler);
  if (!stopped) await op.stop();
  await env.close();
}

/** Signals the operator to write a heap snapshot into `dir` and waits until the file is complete. */
async function heapSnapshot(child: ChildProcess, dir: string): Promise<string> {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  child.kill('SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const made = (existsSync(dir) ? readdirSync(dir) : []).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (made === undefined) continue;
    const file = join(dir, made);
    const size = statSync(file).size;
    await new Promise((r) => setTimeout(r, 2000));
    if (statSync(file).size === size && size > 0) return file;
  }
  throw new Error(`no heap snapshot appeared in ${dir} within 5 minutes`);
}
