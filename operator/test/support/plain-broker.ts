// A second, private RabbitMQ node with no plugins at all (no management, no Prometheus), or only the Prometheus
// plugin, for tests that must show what works without the management plugin. It never touches the shared broker
// at 127.0.0.1:5672 or its plugins.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { freePort } from './operator-process.ts';

/** The rabbitmq-server script itself (the /usr/sbin wrapper would switch to the rabbitmq user). */
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface PlainBroker {
  /** amqp://guest:guest@127.0.0.1:<port>/%2F */
  readonly uri: string;
  readonly nodename: string;
  /** http://127.0.0.1:<port> of rabbitmq_prometheus, when started with it. */
  readonly prometheusUri: string | undefined;
  /** Stops the node (SIGTERM, then SIGKILL after 15 s) and removes its data. */
  stop(): Promise<void>;
}

export interface PlainBrokerOptions {
  /** Enable rabbitmq_prometheus (and nothing else), with statistics emitted every second instead of 5. */
  readonly prometheus?: boolean;
  readonly timeoutMs?: number;
}

/** Starts the node in the foreground and resolves once it accepts an AMQP connection (within `timeoutMs`). */
export async function startPlainBroker(options: PlainBrokerOptions = {}): Promise<PlainBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'hare-plain-broker-'));
  const [port, distPort, promPort] = [await freePort(), await freePort(), await freePort()];
  const nodename = `hare-plain-${port}@localhost`;
  const prometheus = options.prometheus === true;
  await writeFile(join(dir, 'enabled_plugins'), prometheus ? '[rabbitmq_prometheus].\n' : '[].\n');
  const promConf = prometheus ? `prometheus.tcp.port = ${promPort}\nprometheus.tcp.ip = 127.0.0.1\ncollect_statistics_interval = 1000\n` : '';
  await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users.guest = true\n${promConf}`);
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  const child = spawn(SERVER, [], {
    env: {
      PATH: process.env.PATH ?? '', HOME: dir, // a cookie of its own
      RABBITMQ_NODENAME: nodename, RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'), // not the shared node's /etc/rabbitmq/rabbitmq-env.conf
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'), RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_LOGS: '-', ERL_EPMD_ADDRESS: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const uri = `amqp://guest:guest@127.0.0.1:${port}/%2F`;
  const stop = async (): Promise<void> => {
    await kill(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await connectable(uri, child, options.timeoutMs ?? 90_000);
  } catch (err) {
    await stop();
    throw new Error(`the plain RabbitMQ node did not start: ${String(err)}\n${output}`, { cause: err });
  }
  return { uri, nodename, prometheusUri: prometheus ? `http://127.0.0.1:${promPort}` : undefined, stop };
}

async function connectable(uri: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rabbitmq-server exited with ${child.exitCode}`);
    try {
      await (await amqp.connect(uri)).close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
