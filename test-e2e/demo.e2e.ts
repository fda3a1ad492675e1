// The main job as a new user meets it: `npm run demo`, then the pool must scale up under the load generator and down
// after it within 3 minutes, and the load generator must ride out a broker restart. Local provider: from the host's
// broker without the management plugin and without the demo's queues. kind provider: the demo on kind, the broker a
// StatefulSet in the cluster (restarted with rabbitmqctl in its pod), then `demo:down` must leave nothing behind.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterConfig } from './cluster/index.ts';
import { chooseProvider } from './cluster/provider.ts';
import { REPO, tools, waitFor } from './support/tools.ts';

const PROVIDER = chooseProvider(process.env);
const LOCAL = PROVIDER === 'local';
const KIND = PROVIDER === 'kind';
const cfg = clusterConfig();
const DEMO_DIR = join(cfg.cacheDir, 'demo');
const LOAD_LOG = join(DEMO_DIR, 'load.log');
const QUEUES = ['orders', 'orders.processed', 'orders.dead', 'orders.delay.1000', 'orders.delay.5000', 'orders.delay.30000'];
const t = tools(KIND ? join(DEMO_DIR, 'kind.kubeconfig') : cfg.adminKubeconfig);
const keep = process.env.HARE_E2E_KEEP_CLUSTER ? { HARE_DEMO_KEEP_CLUSTER: '1' } : {};

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

/** From the demo's end: spec.replicas above 1 within 150 s, then below its peak, all within 3 minutes. */
async function scalesUpAndDown(ended: number): Promise<void> {
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
}

/** The load generator publishes again after `restart`, and the pool's depth reads succeed again. */
async function ridesOutRestart(restart: () => Promise<void>): Promise<void> {
  const before = lastPublished();
  const reconnects = (): number => readFileSync(LOAD_LOG, 'utf8').split('reconnecting').length - 1;
  const lost = reconnects();
  await restart();
  await waitFor('the load generator to publish again after the restart', () => reconnects() > lost && lastPublished() > before + 20, 120_000, 2000);
  // the pool's autoscaler reconnects too: its depth reads succeed again
  await waitFor('BrokerReachable=True again', async () =>
    (await t.kubectl('get', 'cpool', 'orders', '-n', 'demo', '-o', 'jsonpath={.status.conditions[?(@.type=="BrokerReachable")].status}')) === 'True', 120_000, 2000);
}

let downDone = false;
afterAll(async () => {
  if (LOCAL) await script(['hack/demo.sh', 'down'], keep);
  if (KIND && !downDone && existsSync(join(DEMO_DIR, 'mode'))) await script(['hack/demo.sh', 'down'], keep);
});

describe.runIf(LOCAL)('npm run demo from a fresh broker', () => {
  it('sets up what it needs, then the pool scales up under the load and down after it within 3 minutes', async () => {
    await freshBroker();
    await script(['hack/demo.sh'], { HARE_DEMO_PROVIDER: 'local' });
    await scalesUpAndDown(Date.now());
  });

  it('keeps the load generator publishing across a broker restart', async () => {
    await ridesOutRestart(async () => {
      await rabbit('rabbitmqctl', '-q', 'stop_app');
      await rabbit('rabbitmqctl', '-q', 'start_app');
    });
  });
});

describe.runIf(KIND)('npm run demo on kind, the broker in the cluster', () => {
  const inBroker = (...cmd: string[]): Promise<string> => t.kubectl('exec', '-n', 'messaging', 'rabbitmq-0', '--', ...cmd);

  it('runs RabbitMQ as a StatefulSet in the cluster, the pool on its Service, then scales up under the load and down within 3 minutes', async () => {
    await script(['hack/demo.sh'], { HARE_DEMO_PROVIDER: 'kind' });
    const ended = Date.now();
    expect(readFileSync(join(DEMO_DIR, 'mode'), 'utf8').trim()).toBe('kind');
    expect(await t.kubectl('get', 'pod', 'rabbitmq-0', '-n', 'messaging', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).toBe('True');
    const uri = Buffer.from(await t.kubectl('get', 'secret', 'rabbitmq', '-n', 'demo', '-o', 'jsonpath={.data.uri}'), 'base64').toString();
    expect(new URL(uri).host).toBe('rabbitmq.messaging.svc:5672');
    // the operator's own connection, the pool's pods and the load generator (through the NodePort) are the broker's clients
    await scalesUpAndDown(ended);
    const clients = await inBroker('rabbitmqctl', '-q', 'list_connections', 'client_properties');
    expect(clients).toContain('hare-demo-load');
    expect(readFileSync(LOAD_LOG, 'utf8')).toMatch(/connected to 127\.0\.0\.1:\d+/);
    expect(await inBroker('rabbitmqctl', '-q', 'list_users')).not.toMatch(/^guest\b/m);
  });

  it('keeps the load generator publishing across a restart of the broker in the cluster', async () => {
    await ridesOutRestart(async () => {
      await inBroker('rabbitmqctl', '-q', 'stop_app');
      await inBroker('rabbitmqctl', '-q', 'start_app');
    });
  });

  it('demo:down deletes the cluster and leaves no containers, networks, mounts or iptables rules', async () => {
    // the Docker engine is the demo's to stop only when the demo started it (hack/docker.sh); else only the cluster goes
    const startedDocker = existsSync(join(DEMO_DIR, 'docker-started'));
    const dockerHost = readFileSync(join(DEMO_DIR, 'docker-host'), 'utf8').trim();
    await script(['hack/demo.sh', 'down']);
    downDone = true;
    expect(existsSync(DEMO_DIR)).toBe(false);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes('hare-demo') || (startedDocker && l.includes('hare-docker')));
    expect(mounts).toEqual([]);
    const rules = (await output('iptables-save', [])).split('\n').filter((r) => /hare-demo|dport (35672|45672)\b/.test(r) || (startedDocker && /HAREKIND|DOCKER/.test(r)));
    expect(rules).toEqual([]);
    if (startedDocker) {
      expect((await output('ip', ['-o', 'link', 'show'])).split('\n').filter((l) => /br-harekind|br-[0-9a-f]{12}|docker0/.test(l))).toEqual([]);
      expect(await output('docker', ['info'], { DOCKER_HOST: dockerHost }).then(() => 'answers', () => 'stopped')).toBe('stopped');
    } else {
      const env = dockerHost ? { DOCKER_HOST: dockerHost } : {};
      expect((await output('docker', ['ps', '-a', '--filter', 'label=io.x-k8s.kind.cluster=hare-demo', '--format', '{{.Names}}'], env)).trim()).toBe('');
    }
  });
});

/** stdout of a command that must exit 0. */
function output(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}
