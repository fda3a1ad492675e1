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

export function podBrokerFor(cfg: ClusterConfig, username: string, password: string): PodBroker {
  const auth = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
  return {
    username, password, uri: `amqp://${auth}@${cfg.nodeIp}:5672/`, managementUri: `http://${auth}@${cfg.nodeIp}:15672/`,
    // hack/ensure-rabbitmq.sh makes the CA, and a server certificate that names the node address
    tls: { uri: `amqps://${auth}@${cfg.nodeIp}:5671/`, caFile: '/etc/rabbitmq/tls/ca.crt' },
  };
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
export async function readPodBroker(cfg: ClusterConfig): Promise<PodBroker | undefined> {
  try {
    const { username, password } = JSON.parse(await readFile(statePaths(cfg).brokerFile, 'utf8')) as PodBroker;
    return podBrokerFor(cfg, username, password); // the URIs from today's code, whatever an older file holds
  } catch {
    return undefined;
  }
}

/** Creates (or re-keys) the pod user with a fresh password: all permissions on vhost /, tag monitoring for the HTTP API. */
export async function ensurePodBrokerUser(cfg: ClusterConfig): Promise<PodBroker> {
  const existing = await readPodBroker(cfg);
  if (existing) return existing;
  const password = randomBytes(18).toString('hex');
  const ctl = (args: string[], input?: string): Promise<unknown> => run('rabbitmqctl', args, { timeoutMs: 60_000, ...(input ? { input } : {}) });
  // the password goes through stdin, never the command line
  await ctl(['add_user', POD_BROKER_USER], password + '\n').catch(async (e: unknown) => {
    if (!String(e).includes('already exists')) {
      throw new Error(`cannot create RabbitMQ user ${POD_BROKER_USER} with rabbitmqctl (is rabbitmq-server running?)`, { cause: e });
    }
    await ctl(['change_password', POD_BROKER_USER], password + '\n');
  });
  await Promise.all([ctl(['set_permissions', '-p', '/', POD_BROKER_USER, '.*', '.*', '.*']), ctl(['set_user_tags', POD_BROKER_USER, 'monitoring'])]);
  const broker = podBrokerFor(cfg, POD_BROKER_USER, password);
  await writeFile(statePaths(cfg).brokerFile, JSON.stringify(broker, null, 2) + '\n', { mode: 0o600 });
  return broker;
}

/** Removes the pod user (cluster:down). */
export async function deletePodBrokerUser(): Promise<boolean> {
  const users = (await tryRun('rabbitmqctl', ['--quiet', 'list_users'], { timeoutMs: 60_000 }))?.stdout ?? '';
  if (!users.split('\n').some((l) => l.split('\t')[0] === POD_BROKER_USER)) return false;
  await run('rabbitmqctl', ['delete_user', POD_BROKER_USER], { timeoutMs: 60_000 });
  return true;
}
