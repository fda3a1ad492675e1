import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { brokerObjects, defaultUserConf, demoMode, hostBrokerUri, hostPorts, KIND_DEMO, kindCommands, kindConfig, poolSecret } from './demo-kind.ts';

const REPO = resolve(import.meta.dirname, '..');
const MANIFEST = readFileSync(join(REPO, 'examples', 'rabbitmq.yaml'), 'utf8');
const PASSWORD = '0123456789abcdef0123456789abcdef';
const LOCAL = '/cache/cluster/admin.kubeconfig';

describe('demoMode', () => {
  const mode = (args: string[], env: NodeJS.ProcessEnv, kind = false): string => {
    let probed = false;
    const { mode: m } = demoMode({ args, env, localKubeconfig: LOCAL, kindWorks: () => { probed = true; return kind; } });
    return `${m}${probed ? ' (probed)' : ''}`;
  };

  it('takes kind where Docker and kind work and nothing else was asked, else the local cluster', () => {
    expect(mode([], {}, true)).toBe('kind (probed)');
    expect(mode([], {}, false)).toBe('local (probed)');
    expect(mode([], { KUBECONFIG: LOCAL }, true)).toBe('kind (probed)');
  });

  it('follows --kind, --local and HARE_DEMO_PROVIDER without probing, the flag first', () => {
    expect(mode(['--kind'], {})).toBe('kind');
    expect(mode(['--local'], { HARE_DEMO_PROVIDER: 'kind' }, true)).toBe('local');
    expect(mode([], { HARE_DEMO_PROVIDER: 'kind', KUBECONFIG: '/elsewhere' })).toBe('kind');
    expect(mode([], { HARE_DEMO_PROVIDER: 'local' }, true)).toBe('local');
  });

  it('installs into another cluster named by KUBECONFIG or HARE_DEMO_KUBECONFIG', () => {
    expect(mode([], { KUBECONFIG: '/home/me/.kube/config' }, true)).toBe('existing');
    expect(mode([], { HARE_DEMO_KUBECONFIG: '/k' }, true)).toBe('existing');
  });

  it('refuses what it does not know', () => {
    expect(() => mode(['--kind', '--local'], {})).toThrow(/exclude each other/);
    expect(() => mode(['--minikube'], {})).toThrow(/unknown demo argument --minikube/);
    expect(() => mode([], { HARE_DEMO_PROVIDER: 'minikube' })).toThrow(/not one of local, kind, existing/);
  });
});

describe('the kind cluster', () => {
  it('publishes the broker NodePorts on loopback only, at the host ports asked for', () => {
    const cfg = load(kindConfig(hostPorts({ HARE_DEMO_AMQP_PORT: '36000' }))) as { kind: string; networking: object; nodes: { role: string; extraPortMappings: object[] }[] };
    expect(cfg.kind).toBe('Cluster');
    expect(cfg.networking).toEqual({ podSubnet: '10.246.0.0/16', serviceSubnet: '10.98.0.0/16' });
    expect(cfg.nodes).toEqual([{
      role: 'control-plane',
      extraPortMappings: [
        { containerPort: 30672, hostPort: 36000, listenAddress: '127.0.0.1', protocol: 'TCP' },
        { containerPort: 31672, hostPort: 45672, listenAddress: '127.0.0.1', protocol: 'TCP' },
      ],
    }]);
  });

  it('refuses host ports that are not ports, or one port for both', () => {
    expect(() => hostPorts({ HARE_DEMO_AMQP_PORT: '5672x' })).toThrow(/HARE_DEMO_AMQP_PORT=5672x is not a TCP port/);
    expect(() => hostPorts({ HARE_DEMO_MANAGEMENT_PORT: '70000' })).toThrow(/not a TCP port/);
    expect(() => hostPorts({ HARE_DEMO_AMQP_PORT: '40000', HARE_DEMO_MANAGEMENT_PORT: '40000' })).toThrow(/both 40000/);
  });

  it('creates from the node image and config in the demo directory, and loads and deletes by cluster name', () => {
    const cmds = kindCommands({ kind: '/c/kind', cluster: 'hare-demo', nodeImage: 'localhost/hare/kind-node:v1.34.4-x', dir: '/d' });
    expect(cmds.create).toEqual(['/c/kind', 'create', 'cluster', '--name', 'hare-demo', '--image', 'localhost/hare/kind-node:v1.34.4-x',
      '--config', '/d/kind-config.yaml', '--kubeconfig', '/d/kind.kubeconfig', '--wait', '300s']);
    expect(cmds.load('/a/rabbitmq-3.10.8.tar')).toEqual(['/c/kind', 'load', 'image-archive', '/a/rabbitmq-3.10.8.tar', '--name', 'hare-demo']);
    expect(cmds.delete).toEqual(['/c/kind', 'delete', 'cluster', '--name', 'hare-demo', '--kubeconfig', '/d/kind.kubeconfig']);
  });
});

describe('the broker in the cluster', () => {
  type O = { kind: string; metadata: { name: string; namespace: string }; spec?: Record<string, unknown>; stringData?: Record<string, string> };
  const objects = brokerObjects({ manifest: MANIFEST, image: 'localhost/hare/rabbitmq:3.10.8', password: PASSWORD }) as unknown as O[];
  const find = (kind: string, name: string): O => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
  type Pod = { securityContext: Record<string, unknown>; containers: { image: string; readinessProbe: { exec: { command: string[] } }; volumeMounts: { mountPath: string; subPath?: string }[] }[]; volumes: { name: string; secret?: { secretName: string } }[] };
  const pod = (): Pod => (find('StatefulSet', 'rabbitmq').spec as { template: { spec: Pod } }).template.spec;

  it('is one node of examples/rabbitmq.yaml with the image asked for, whose manifest defaults to the official image', () => {
    const sts = loadAll(MANIFEST).find((d) => (d as O).kind === 'StatefulSet') as { spec: { replicas: number; serviceName: string; template: { spec: Pod } } };
    expect(sts.spec.template.spec.containers[0]!.image).toBe('rabbitmq:4-management');
    expect(sts.spec.replicas).toBe(1);
    expect(pod().containers[0]!.image).toBe('localhost/hare/rabbitmq:3.10.8');
    expect(find('Service', sts.spec.serviceName).spec).toMatchObject({ clusterIP: 'None' });
    expect(objects.every((o) => o.metadata.namespace === KIND_DEMO.brokerNamespace)).toBe(true);
  });

  it('runs as uid 999, ready when its listeners are, with the user from the Secret it creates (no guest)', () => {
    expect(pod().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999 });
    expect(pod().containers[0]!.readinessProbe.exec.command).toEqual(['rabbitmq-diagnostics', '-q', 'check_port_connectivity']);
    const mount = pod().containers[0]!.volumeMounts.find((m) => m.mountPath.startsWith('/etc/rabbitmq/conf.d/'));
    expect(mount?.subPath).toBe('default_user.conf');
    expect(pod().volumes.find((v) => v.secret)?.secret?.secretName).toBe(KIND_DEMO.serverSecret);
    expect(find('Secret', KIND_DEMO.serverSecret).stringData).toEqual({ 'default_user.conf': `default_user = hare\ndefault_pass = ${PASSWORD}\n` });
    expect(defaultUserConf(PASSWORD)).not.toMatch(/guest/);
  });

  it('serves AMQP and the management API on a ClusterIP Service, and on NodePorts for this host', () => {
    const ports = (name: string): unknown => (find('Service', name).spec as { ports: object[] }).ports;
    expect(find('Service', 'rabbitmq').spec).toMatchObject({ type: 'ClusterIP' });
    expect(ports('rabbitmq')).toEqual(expect.arrayContaining([expect.objectContaining({ port: 5672 }), expect.objectContaining({ port: 15672 })]));
    expect(find('Service', 'rabbitmq-host').spec).toMatchObject({ type: 'NodePort' });
    expect(ports('rabbitmq-host')).toEqual([
      { name: 'amqp', port: 5672, targetPort: 'amqp', nodePort: 30672 },
      { name: 'management', port: 15672, targetPort: 'management', nodePort: 31672 },
    ]);
  });

  it('gives the pool the Service names and this host the published port, with the same user', () => {
    expect(poolSecret(PASSWORD).stringData).toEqual({
      uri: `amqp://hare:${PASSWORD}@rabbitmq.messaging.svc:5672/%2F`,
      'management-uri': `http://hare:${PASSWORD}@rabbitmq.messaging.svc:15672`,
    });
    expect(hostBrokerUri(PASSWORD, { amqp: 35672, management: 45672 })).toBe(`amqp://hare:${PASSWORD}@127.0.0.1:35672/%2F`);
  });

  it('refuses a password that would need quoting, and a manifest without the StatefulSet', () => {
    expect(() => poolSecret('short')).toThrow(/16 or more letters and digits/);
    expect(() => defaultUserConf('a'.repeat(15) + '@x')).toThrow(/letters and digits/);
    expect(() => brokerObjects({ manifest: 'kind: Service\nmetadata: {name: x}\n', image: 'i', password: PASSWORD })).toThrow(/no StatefulSet "rabbitmq"/);
  });
});
