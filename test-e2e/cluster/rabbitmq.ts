// The RabbitMQ user for pods (not guest, which only works from loopback), its credentials file and Secret manifest.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import { run, tryRun } from './exec.ts';

export const POD_BROKER_USER = 'hare-pods';

/** How pods reach the broker: credentials and URIs at the node (bridge) address. */
export interface PodBroker {
  username: string;
  password: string;
  /** amqp://user:pass@<node ip>:5672/ */
  uri: string;
  /** The TLS listener: amqps://user:pass@<node ip>:5671/ and the private CA that signed its certificate. */
  tls?: { uri: string; caFile: string } | undefined;
  /** http://user:pass@<node ip>:15672/ (the management HTTP API) */
  managementUri: string;
}

/** The broker as pods see it at `host` (an address the host's DNAT sends to loopback). */
export function brokerAt(host: string, username: string, password: string): PodBroker {
  const auth = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
  return {
    username, password, uri: `amqp://${auth}@${host}:5672/`, managementUri: `http://${auth}@${host}:15672/`,
    // hack/ensure-rabbitmq.sh makes the CA, and a server certificate that names the local node address (10.244.0.1)
    tls: { uri: `amqps://${auth}@${host}:5671/`, caFile: '/etc/rabbitmq/tls/ca.crt' },
  };
}

export function podBrokerFor(cfg: ClusterConfig, username: string, password: string): PodBroker {
  return brokerAt(cfg.nodeIp, username, password);
}

/** A broker user of a provider: its name, where its credentials are kept, the address pods reach the broker at. */
export interface BrokerUser {
  user: string;
  file: string;
  host: string;
}

/** A Secret with keys `uri` and `management-uri`, as ConsumerPool.spec.broker.*SecretRef expect. */
export function brokerSecret(broker: PodBroker, namespace: string, name = 'rabbitmq'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'hare-operator-local-cluster' } },
    type: 'Opaque',
    stringData: { uri: broker.uri, 'management-uri': broker.managementUri, username: broker.username, password: broker.password },
  };
}

/** The credentials written by cluster:up, or undefined when the node is not up. */
export function readPodBroker(cfg: ClusterConfig): Promise<PodBroker | undefined> {
  return readBrokerUser({ user: POD_BROKER_USER, file: statePaths(cfg).brokerFile, host: cfg.nodeIp });
}

export async function readBrokerUser(u: BrokerUser): Promise<PodBroker | undefined> {
  try {
    const { username, password } = JSON.parse(await readFile(u.file, 'utf8')) as PodBroker;
    return brokerAt(u.host, username, password); // the URIs from today's code, whatever an older file holds
  } catch {
    return undefined;
  }
}

/** Creates (or re-keys) the pod user with a fresh password: all permissions on vhost /, tag monitoring for the HTTP API. */
export function ensurePodBrokerUser(cfg: ClusterConfig): Promise<PodBroker> {
  return ensureBrokerUser({ user: POD_BROKER_USER, file: statePaths(cfg).brokerFile, host: cfg.nodeIp });
}

export async function ensureBrokerUser(u: BrokerUser): Promise<PodBroker> {
  const existing = await readBrokerUser(u);
  if (existing) return existing;
  const password = randomBytes(18).toString('hex');
  const ctl = (args: string[], input?: string): Promise<unknown> => run('rabbitmqctl', args, { timeoutMs: 60_000, ...(input ? { input } : {}) });
  // the password goes through stdin, never the command line
  await ctl(['add_user', u.user], password + '\n').catch(async (e: unknown) => {
    if (!String(e).includes('already exists')) {
      throw new Error(`cannot create RabbitMQ user ${u.user} with rabbitmqctl (is rabbitmq-server running?)`, { cause: e });
    }
    await ctl(['change_password', u.user], password + '\n');
  });
  await Promise.all([ctl(['set_permissions', '-p', '/', u.user, '.*', '.*', '.*']), ctl(['set_user_tags', u.user, 'monitoring'])]);
  const broker = brokerAt(u.host, u.user, password);
  await writeFile(u.file, JSON.stringify(broker, null, 2) + '\n', { mode: 0o600 });
  return broker;
}

/** Removes the pod user (cluster:down). */
export function deletePodBrokerUser(): Promise<boolean> {
  return deleteBrokerUser(POD_BROKER_USER);
}

export async function deleteBrokerUser(user: string): Promise<boolean> {
  const users = (await tryRun('rabbitmqctl', ['--quiet', 'list_users'], { timeoutMs: 60_000 }))?.stdout ?? '';
  if (!users.split('\n').some((l) => l.split('\t')[0] === user)) return false;
  await run('rabbitmqctl', ['delete_user', user], { timeoutMs: 60_000 });
  return true;
}
