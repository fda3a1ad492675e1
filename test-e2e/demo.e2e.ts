// The main job as a new user meets it: `npm run demo` from a broker without the management plugin and without the
// demo's queues, then the pool must scale up under the load generator and down after it within 3 minutes, and the
// load generator must ride out a broker restart. Local provider only (the demo on kind is a later step).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterConfig } from './cluster/index.ts';
import { chooseProvider } from './cluster/provider.ts';
import { REPO, tools, waitFor } from './support/tools.ts';

const LOCAL = chooseProvider(process.env) === 'local';
const cfg = clusterConfig();
const LOAD_LOG = join(cfg.cacheDir, 'demo', 'load.log');
const QUEUES = ['orders', 'orders.processed', 'orders.dead', 'orders.delay.1000', 'orders.delay.5000', 'orders.delay.30000'];
const t = tools(cfg.adminKubeconfig);

/** Runs a script of the repo with the user's environment minus any cluster choice; its output goes to the log. */
function script(args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const { KUBECONFIG: _k, HARE_DEMO_KUBECONFIG: _d, ...rest } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { cwd: REPO, env: { ...rest, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`bash ${args.join(' ')} exited ${code}`))));
  });
}

function rabbit(cmd: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

/** What a machine that never ran the tests has: no management plugin, no demo queues, no demo exchange. */
async function freshBroker(): Promise<void> {
  await rabbit('rabbitmq-plugins', '-q', 'disable', 'rabbitmq_management', 'rabbitmq_management_agent', 'rabbitmq_web_dispatch');
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
  const ch = await conn.createChannel();
  for (const q of QUEUES) await ch.deleteQueue(q);
  await ch.deleteExchange('shop');
  await conn.close();
}

const replicas = async (): Promise<number> => Number(await t.kubectl('get', 'cpool', 'orders', '-n', 'demo', '-o', 'jsonpath={.spec.replicas}'));
const lastPublished = (): number => Number([...readFileSync(LOAD_LOG, 'utf8').matchAll(/published (\d+)/g)].at(-1)?.[1] ?? 0);

afterAll(async () => {
  if (LOCAL) await script(['hack/demo.sh', 'down'], process.env.HARE_E2E_KEEP_CLUSTER ? { HARE_DEMO_KEEP_CLUSTER: '1' } : {});
});

describe.runIf(LOCAL)('npm run demo from a fresh broker', () => {
  it('sets up what it needs, then the pool scales up under the load and down after it within 3 minutes', async () => {
    await freshBroker();
    await script(['hack/demo.sh']);
    const ended = Date.now();
    const seen: number[] = [];
    const sample = async (): Promise<number[]> => { seen.push(await replicas()); return seen; };
    const up = await waitFor('spec.replicas above 1', async () => Math.max(...(await sample())) > 1, 150_000, 2000);
    expect(up).toBe(true);
    await waitFor('spec.replicas back down after the burst', async () => {
      const s = await sample();
      return s.at(-1)! < Math.max(...s);
    }, 180_000 - (Date.now() - ended), 2000);
    console.log(`[demo] spec.replicas every 2 s from the demo's end: ${seen.join(' ')} (${Math.round((Date.now() - ended) / 1000)} s)`);
    expect(Date.now() - ended).toBeLessThanOrEqual(180_000);
  });

  it('keeps the load generator publishing across a broker restart', async () => {
    const before = lastPublished();
    const reconnects = (): number => readFileSync(LOAD_LOG, 'utf8').split('reconnecting').length - 1;
    const lost = reconnects();
    await rabbit('rabbitmqctl', '-q', 'stop_app');
    await rabbit('rabbitmqctl', '-q', 'start_app');
    await waitFor('the load generator to publish again after the restart', () => reconnects() > lost && lastPublished() > before + 20, 120_000, 2000);
    // the pool's autoscaler reconnects too: its depth reads succeed again
    await waitFor('BrokerReachable=True again', async () =>
      (await t.kubectl('get', 'cpool', 'orders', '-n', 'demo', '-o', 'jsonpath={.status.conditions[?(@.type=="BrokerReachable")].status}')) === 'True', 120_000, 2000);
  });
});
