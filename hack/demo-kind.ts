// The demo on kind (hack/demo.sh): which path the demo takes, the kind cluster's config and command lines, and the
// objects of the broker it runs in the cluster (examples/rabbitmq.yaml plus its Secret and a NodePort for this host).
// Pure builders; the CLI writes them for demo.sh:
//   node hack/demo-kind.ts mode [demo args...]          prints "<local|kind|existing> <why>"
//   node hack/demo-kind.ts render <dir>                 writes kind-config.yaml, broker.json, pool-secret.json, host-uri,
//                                                       host-ports (from broker.password, made there once)
//   node hack/demo-kind.ts cmd <create|delete|load> <dir> [archive]   prints a kind command line, one argument a line
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, loadAll } from 'js-yaml';

export type DemoMode = 'local' | 'kind' | 'existing';
export const DEMO_MODES: readonly DemoMode[] = ['local', 'kind', 'existing'];

/** The names the demo on kind uses; one place, so demo.sh, the e2e test and the docs agree. */
export const KIND_DEMO = {
  cluster: 'hare-demo',
  brokerNamespace: 'messaging',
  brokerUser: 'hare',
  /** the Secret examples/rabbitmq.yaml mounts (key default_user.conf) */
  serverSecret: 'rabbitmq-server',
  /** NodePorts of the host-access Service, mapped to 127.0.0.1 by the kind config */
  nodePorts: { amqp: 30672, management: 31672 },
  /** defaults of HARE_DEMO_AMQP_PORT and HARE_DEMO_MANAGEMENT_PORT: not 5672/15672, which a host broker may hold */
  hostPorts: { amqp: 35672, management: 45672 },
  networking: { podSubnet: '10.246.0.0/16', serviceSubnet: '10.98.0.0/16' },
} as const;

export interface ModeInput {
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** the local cluster's admin kubeconfig: a KUBECONFIG naming it is not "another cluster" */
  localKubeconfig: string;
  /** true where Docker answers and kind runs (probed only when nothing was asked) */
  kindWorks: () => boolean;
}

/**
 * --kind / --local, else HARE_DEMO_PROVIDER (local, kind or existing), else a KUBECONFIG of another cluster (existing),
 * else kind where Docker and kind work, else the local cluster.
 */
export function demoMode({ args, env, localKubeconfig, kindWorks }: ModeInput): { mode: DemoMode; why: string } {
  return flagMode(args) ?? envMode(env, localKubeconfig) ?? (kindWorks()
    ? { mode: 'kind', why: 'Docker and kind work here' }
    : { mode: 'local', why: 'no working Docker and kind here: the local cluster' });
}

function flagMode(args: readonly string[]): { mode: DemoMode; why: string } | undefined {
  const unknown = args.filter((a) => a !== '--kind' && a !== '--local');
  if (unknown.length > 0) throw new Error(`unknown demo argument ${unknown.join(' ')} (known: --kind, --local, down)`);
  const flags = new Set(args);
  if (flags.size > 1) throw new Error('--kind and --local exclude each other');
  const [flag] = flags;
  return flag ? { mode: flag === '--kind' ? 'kind' : 'local', why: `asked (${flag})` } : undefined;
}

function envMode(env: NodeJS.ProcessEnv, localKubeconfig: string): { mode: DemoMode; why: string } | undefined {
  const asked = env.HARE_DEMO_PROVIDER?.trim();
  if (asked) {
    if (!(DEMO_MODES as readonly string[]).includes(asked)) throw new Error(`HARE_DEMO_PROVIDER=${asked} is not one of ${DEMO_MODES.join(', ')}`);
    return { mode: asked as DemoMode, why: `asked (HARE_DEMO_PROVIDER=${asked})` };
  }
  const given = env.HARE_DEMO_KUBECONFIG || env.KUBECONFIG;
  return given && resolve(given) !== resolve(localKubeconfig) ? { mode: 'existing', why: `KUBECONFIG names another cluster (${given})` } : undefined;
}

export interface HostPorts { amqp: number; management: number }

/** HARE_DEMO_AMQP_PORT / HARE_DEMO_MANAGEMENT_PORT, each a TCP port, else the defaults. */
export function hostPorts(env: NodeJS.ProcessEnv): HostPorts {
  const port = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${raw} is not a TCP port`);
    return n;
  };
  const ports = { amqp: port('HARE_DEMO_AMQP_PORT', KIND_DEMO.hostPorts.amqp), management: port('HARE_DEMO_MANAGEMENT_PORT', KIND_DEMO.hostPorts.management) };
  if (ports.amqp === ports.management) throw new Error(`the AMQP and management host ports are both ${ports.amqp}`);
  return ports;
}

/**
 * One control-plane node whose broker NodePorts are published on this host's loopback only, with pod and service
 * ranges of its own (apart from the local cluster's 10.244.0.0/24 and 10.96.0.0/24 and the e2e kind cluster's).
 */
export function kindConfig(ports: HostPorts): string {
  const mapping = (containerPort: number, hostPort: number): object => ({ containerPort, hostPort, listenAddress: '127.0.0.1', protocol: 'TCP' });
  return dump({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    networking: KIND_DEMO.networking,
    nodes: [{ role: 'control-plane', extraPortMappings: [mapping(KIND_DEMO.nodePorts.amqp, ports.amqp), mapping(KIND_DEMO.nodePorts.management, ports.management)] }],
  });
}

export interface KindCommandInput { kind: string; cluster: string; nodeImage: string; dir: string }

/** The kind command lines of the demo (argv, the binary first). */
export function kindCommands({ kind, cluster, nodeImage, dir }: KindCommandInput): { create: string[]; delete: string[]; load: (archive: string) => string[] } {
  const kubeconfig = join(dir, 'kind.kubeconfig');
  return {
    create: [kind, 'create', 'cluster', '--name', cluster, '--image', nodeImage, '--config', join(dir, 'kind-config.yaml'), '--kubeconfig', kubeconfig, '--wait', '300s'],
    delete: [kind, 'delete', 'cluster', '--name', cluster, '--kubeconfig', kubeconfig],
    load: (archive) => [kind, 'load', 'image-archive', archive, '--name', cluster],
  };
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: unknown };
interface Container { name: string; image: string; [k: string]: unknown }

export interface BrokerInput {
  /** the text of examples/rabbitmq.yaml */
  manifest: string;
  image: string;
  password: string;
}

/** The password goes into URIs and a config file unquoted: letters and digits only, 16 or more. */
function checkPassword(password: string): string {
  if (!/^[A-Za-z0-9]{16,}$/.test(password)) throw new Error('the broker password must be 16 or more letters and digits (it goes into a URI and a config file)');
  return password;
}

/** RabbitMQ's config file of the user the broker starts with (no guest is created when a default_user is set). */
export function defaultUserConf(password: string): string {
  return `default_user = ${KIND_DEMO.brokerUser}\ndefault_pass = ${checkPassword(password)}\n`;
}

/** examples/rabbitmq.yaml with the image set, the Secret it mounts, and the NodePort Service this host reaches it by. */
export function brokerObjects({ manifest, image, password }: BrokerInput): Obj[] {
  const docs = loadAll(manifest).filter((d): d is Obj => typeof d === 'object' && d !== null);
  const sts = docs.find((d) => d.kind === 'StatefulSet' && d.metadata.name === 'rabbitmq');
  const spec = sts?.spec as { template?: { spec?: { containers?: Container[] } } } | undefined;
  const container = spec?.template?.spec?.containers?.find((c) => c.name === 'rabbitmq');
  if (!container) throw new Error('examples/rabbitmq.yaml has no StatefulSet "rabbitmq" with a container "rabbitmq"');
  container.image = image;
  const secret: Obj = {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: KIND_DEMO.serverSecret, labels: { 'app.kubernetes.io/name': 'rabbitmq' } },
    type: 'Opaque', stringData: { 'default_user.conf': defaultUserConf(password) },
  };
  const host: Obj = {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'rabbitmq-host', labels: { 'app.kubernetes.io/name': 'rabbitmq' } },
    spec: {
      type: 'NodePort', selector: { 'app.kubernetes.io/name': 'rabbitmq' },
      ports: [
        { name: 'amqp', port: 5672, targetPort: 'amqp', nodePort: KIND_DEMO.nodePorts.amqp },
        { name: 'management', port: 15672, targetPort: 'management', nodePort: KIND_DEMO.nodePorts.management },
      ],
    },
  };
  return [secret, ...docs, host].map((o) => ({ ...o, metadata: { ...o.metadata, namespace: KIND_DEMO.brokerNamespace } }));
}

/** The Secret "rabbitmq" the example pool refers to: the in-cluster Service's AMQP and management URIs. */
export function poolSecret(password: string): Obj {
  checkPassword(password);
  const host = `rabbitmq.${KIND_DEMO.brokerNamespace}.svc`;
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rabbitmq' }, type: 'Opaque',
    stringData: { uri: `amqp://${KIND_DEMO.brokerUser}:${password}@${host}:5672/%2F`, 'management-uri': `http://${KIND_DEMO.brokerUser}:${password}@${host}:15672` },
  };
}

/** How this host's load generator reaches the same broker: the kind node's published NodePort. */
export function hostBrokerUri(password: string, ports: HostPorts): string {
  return `amqp://${KIND_DEMO.brokerUser}:${checkPassword(password)}@127.0.0.1:${ports.amqp}/%2F`;
}

const list = (items: Obj[]): string => `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`;
const USAGE = 'usage: demo-kind.ts mode [args] | render <dir> | cmd <create|delete|load> <dir> [archive]';

function printMode(args: string[], env: NodeJS.ProcessEnv): void {
  const cache = env.HARE_CACHE ?? join(env.XDG_CACHE_HOME ?? join(env.HOME ?? '/root', '.cache'), 'hare-operator');
  const works = (c: string, a: string[]): boolean => {
    try {
      execFileSync(c, a, { stdio: 'ignore', timeout: 20_000 });
      return true;
    } catch {
      return false;
    }
  };
  const { mode, why } = demoMode({ args, env, localKubeconfig: join(cache, 'cluster', 'admin.kubeconfig'), kindWorks: () => works('docker', ['info']) && works('kind', ['version']) });
  console.log(`${mode} ${why}`);
}

function printCommand([what, dir, archive]: string[], env: NodeJS.ProcessEnv): void {
  if (!dir || !(what === 'create' || what === 'delete' || (what === 'load' && archive))) throw new Error(USAGE);
  const nodeImage = env.HARE_KIND_NODE_IMAGE ?? '';
  if (what === 'create' && !nodeImage) throw new Error('HARE_KIND_NODE_IMAGE: the kind node image to create the cluster from');
  const cmds = kindCommands({ kind: env.KIND ?? 'kind', cluster: env.HARE_DEMO_KIND_CLUSTER ?? KIND_DEMO.cluster, nodeImage, dir });
  console.log((what === 'load' ? cmds.load(archive!) : cmds[what]).join('\n'));
}

function render(dir: string, env: NodeJS.ProcessEnv): void {
  // the password is made once per demo directory, so a second `npm run demo` keeps the broker's user
  const file = join(dir, 'broker.password');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
  const password = readFileSync(file, 'utf8').trim();
  const ports = hostPorts(env);
  const image = env.HARE_DEMO_RABBITMQ_IMAGE?.trim();
  if (!image) throw new Error('HARE_DEMO_RABBITMQ_IMAGE: the RabbitMQ image the cluster runs');
  const manifest = readFileSync(resolve(import.meta.dirname, '..', 'examples', 'rabbitmq.yaml'), 'utf8');
  writeFileSync(join(dir, 'kind-config.yaml'), kindConfig(ports));
  writeFileSync(join(dir, 'broker.json'), list(brokerObjects({ manifest, image, password })), { mode: 0o600 });
  writeFileSync(join(dir, 'pool-secret.json'), `${JSON.stringify(poolSecret(password), null, 2)}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'host-uri'), `${hostBrokerUri(password, ports)}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'host-ports'), `${ports.amqp} ${ports.management}\n`);
}

function main([cmd, ...rest]: string[]): void {
  if (cmd === 'mode') printMode(rest, process.env);
  else if (cmd === 'cmd') printCommand(rest, process.env);
  else if (cmd === 'render' && rest[0]) render(rest[0], process.env);
  else throw new Error(USAGE);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`demo-kind: ${(err as Error).message}`);
    process.exit(2);
  }
}
