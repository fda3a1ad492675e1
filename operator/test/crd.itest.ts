// The ConsumerPool API on a real API server: explain, printer columns, defaults, and what it rejects and why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getPool, kube, type Kube } from './support/kube.ts';
import { poolManifest } from './support/pools.ts';

let k: Kube;
let ns: string;

beforeAll(async () => {
  k = kube();
  ns = await freshNamespace(k, 'it-crd');
});
afterAll(async () => {
  await k.core.deleteNamespace({ name: ns }).catch(() => undefined);
});

type Spec = Record<string, unknown>;
const spec = (m: Record<string, unknown>): Spec => m.spec as Spec;

/** Invalid pools (named "bad" unless `name` says otherwise) and the words the API server must use to reject them. */
const CATALOGUE: { what: string; name?: string; edit: (s: Spec) => void; message: RegExp }[] = [
  { what: 'a name longer than a label value', name: 'a'.repeat(64), edit: () => undefined, message: /metadata\.name must be at most 63 characters: the pool's name is the value of its pods' hare\.dev\/pool label/ },
  { what: 'min > max', edit: (s) => { s.autoscaling = { minReplicas: 5, maxReplicas: 2 }; }, message: /autoscaling\.minReplicas must be less than or equal to autoscaling\.maxReplicas/ },
  { what: 'zero prefetch', edit: (s) => { s.queue = { name: 'q', prefetch: 0 }; }, message: /spec\.queue\.prefetch: Invalid value: 0: spec\.queue\.prefetch in body should be greater than or equal to 1/ },
  { what: 'negative prefetch', edit: (s) => { s.queue = { name: 'q', prefetch: -3 }; }, message: /spec\.queue\.prefetch.*greater than or equal to 1/ },
  { what: 'prefetch above the AMQP limit', edit: (s) => { s.queue = { name: 'q', prefetch: 70000 }; }, message: /spec\.queue\.prefetch.*less than or equal to 65535/ },
  { what: 'a batch larger than the prefetch', edit: (s) => { s.queue = { name: 'q', prefetch: 5, batch: { size: 10 } }; }, message: /spec\.queue\.batch\.size: Invalid value: "object": queue\.prefetch must be at least queue\.batch\.size/ },
  { what: 'missing module with the hare runtime', edit: (s) => { delete s.module; }, message: /spec\.module: Invalid value: "object": spec\.module is required with runtime hare: the runtime loads that module \(an image with its own consumer sets spec\.runtime: generic\)/ },
  { what: 'an unknown runtime', edit: (s) => { s.runtime = 'java'; }, message: /spec\.runtime: Unsupported value: "java": supported values: "hare", "generic"/ },
  { what: 'missing image', edit: (s) => { delete s.image; }, message: /spec\.image: Required value/ },
  { what: 'missing queue', edit: (s) => { delete s.queue; }, message: /spec\.queue: Required value/ },
  { what: 'missing queue name', edit: (s) => { s.queue = {}; }, message: /spec\.queue\.name: Required value/ },
  { what: 'empty retry delays', edit: (s) => { s.queue = { name: 'q', retry: { delaysMs: [] } }; }, message: /spec\.queue\.retry\.delaysMs: Invalid value: 0: spec\.queue\.retry\.delaysMs in body should have at least 1 items/ },
  { what: 'negative retry delay', edit: (s) => { s.queue = { name: 'q', retry: { delaysMs: [1000, -5] } }; }, message: /spec\.queue\.retry\.delaysMs\[1\].*greater than or equal to 1/ },
  { what: 'zero retry delay', edit: (s) => { s.queue = { name: 'q', retry: { delaysMs: [0] } }; }, message: /spec\.queue\.retry\.delaysMs\[0\].*greater than or equal to 1/ },
  { what: 'secret ref with a malformed name', edit: (s) => { s.broker = { uriSecretRef: { name: 'Bad_Name', key: 'uri' } }; }, message: /secret name must be a DNS subdomain/ },
  { what: 'secret ref without a key', edit: (s) => { s.broker = { uriSecretRef: { name: 'rabbitmq' } }; }, message: /spec\.broker\.uriSecretRef\.key: Required value/ },
  { what: 'secret ref with a malformed key', edit: (s) => { s.broker = { uriSecretRef: { name: 'rabbitmq', key: 'a/b' } }; }, message: /secret key must consist of letters, digits/ },
  { what: 'missing broker', edit: (s) => { delete s.broker; }, message: /spec\.broker: Required value/ },
  { what: 'module that is a path', edit: (s) => { s.module = '../etc/passwd'; }, message: /module must be a module or package name/ },
  { what: 'image with whitespace', edit: (s) => { s.image = 'shop consumers:1'; }, message: /image must not contain whitespace/ },
  { what: 'reserved queue name', edit: (s) => { s.queue = { name: 'amq.orders' }; }, message: /queue names starting with 'amq\.' are reserved/ },
  { what: 'unknown queue type', edit: (s) => { s.queue = { name: 'q', type: 'stream' }; }, message: /spec\.queue\.type: Unsupported value: "stream"/ },
  { what: 'negative replicas', edit: (s) => { s.replicas = -1; }, message: /spec\.replicas.*greater than or equal to 0/ },
  { what: 'replicas above max while autoscaling', edit: (s) => { s.replicas = 9; s.autoscaling = { maxReplicas: 4 }; }, message: /spec\.replicas must not exceed spec\.autoscaling\.maxReplicas/ },
  { what: 'fallback outside the bounds', edit: (s) => { s.autoscaling = { minReplicas: 1, maxReplicas: 3, fallback: { replicas: 7 } }; }, message: /fallback\.replicas must lie between minReplicas and maxReplicas/ },
  { what: 'reserved pod label', edit: (s) => { s.template = { metadata: { labels: { 'hare.dev/pool': 'x' } } }; }, message: /must not use the reserved prefix 'hare\.dev\/'/ },
  { what: 'a ServiceAccount name that cannot exist', edit: (s) => { s.template = { spec: { serviceAccountName: 'Consumers!' } }; }, message: /serviceAccountName must be a DNS subdomain/ },
  { what: 'a priority class name that cannot exist', edit: (s) => { s.template = { spec: { priorityClassName: 'High Priority' } }; }, message: /priorityClassName must be a DNS subdomain/ },
  { what: 'reserved env name', edit: (s) => { s.template = { spec: { env: [{ name: 'HARE_QUEUE', value: 'x' }] } }; }, message: /env names starting with 'HARE_' are reserved/ },
  { what: 'a privileged consumer container', edit: (s) => { s.template = { spec: { containers: [{ name: 'consumer', securityContext: { privileged: true } }] } }; }, message: /spec\.template\.spec\.containers\[0\]\.securityContext: Invalid value: "object": securityContext\.privileged must not be true: the restricted pod security profile forbids it/ },
  { what: 'an init container running as root', edit: (s) => { s.template = { spec: { initContainers: [{ name: 'init', image: 'x', securityContext: { runAsUser: 0 } }] } }; }, message: /spec\.template\.spec\.initContainers\[0\]\.securityContext: Invalid value: "object": securityContext\.runAsUser must not be 0 \(root\)/ },
  { what: 'an added capability other than NET_BIND_SERVICE', edit: (s) => { s.template = { spec: { containers: [{ name: 'side', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] } }; }, message: /capabilities\.add may only hold NET_BIND_SERVICE/ },
  { what: 'a host port', edit: (s) => { s.template = { spec: { containers: [{ name: 'consumer', ports: [{ containerPort: 9000, hostPort: 9000 }] }] } }; }, message: /spec\.template\.spec\.containers\[0\]\.ports\[0\]: Invalid value: "object": ports\[\]\.hostPort must be unset/ },
  // kubectl's strict field validation refuses hostPath.path as an unknown field; any other client's pool is pruned to hostPath: {}
  { what: 'a hostPath volume', edit: (s) => { s.template = { spec: { volumes: [{ name: 'root', hostPath: {} }] } }; }, message: /spec\.template\.spec\.volumes\[0\]: Invalid value: "object": hostPath volumes are not allowed: the restricted pod security profile allows only configMap/ },
  { what: 'a volume named tmp', edit: (s) => { s.template = { spec: { volumes: [{ name: 'tmp', emptyDir: {} }] } }; }, message: /the names 'tmp' and 'broker-tls' are the operator's/ },
  { what: 'an image on the consumer container', edit: (s) => { s.template = { spec: { containers: [{ name: 'consumer', image: 'other:1' }] } }; }, message: /the container named 'consumer' is merged into the operator's and runs spec\.image: leave its image unset/ },
  { what: 'an extra container without an image', edit: (s) => { s.template = { spec: { containers: [{ name: 'side' }] } }; }, message: /every container but 'consumer' needs an image/ },
  { what: 'a reserved env name in a container', edit: (s) => { s.template = { spec: { containers: [{ name: 'consumer', env: [{ name: 'HARE_PREFETCH', value: '1' }] }] } }; }, message: /spec\.template\.spec\.containers\[0\]\.env\[0\]: Invalid value: "object": env names starting with 'HARE_' are reserved/ },
  { what: 'a preStop hook on the hare runtime\'s consumer', edit: (s) => { s.template = { spec: { containers: [{ name: 'consumer', lifecycle: { preStop: { sleep: { seconds: 1 } } } }] } }; }, message: /spec\.template\.spec\.containers: Invalid value: "object": with runtime hare the operator's preStop hook is the drain/ },
  { what: 'port 8080 declared again on the hare runtime\'s consumer', edit: (s) => { s.template = { spec: { containers: [{ name: 'consumer', ports: [{ containerPort: 8080 }] }] } }; }, message: /with runtime hare port 8080, named http, is the runtime's/ },
  { what: 'a broker TLS Secret with a malformed name', edit: (s) => { s.broker = { uriSecretRef: { name: 'rabbitmq', key: 'uri' }, tls: { secretName: 'Broker_CA' } }; }, message: /spec\.broker\.tls\.secretName: Invalid value: "string": secret name must be a DNS subdomain/ },
  { what: 'zero drain timeout', edit: (s) => { s.drain = { timeoutSeconds: 0 }; }, message: /spec\.drain\.timeoutSeconds.*greater than or equal to 1/ },
];

describe('ConsumerPool CRD on the API server', () => {
  it.each(CATALOGUE)('rejects $what with a readable message', async ({ name = 'bad', edit, message }) => {
    const m = poolManifest(name);
    edit(spec(m));
    const r = await k.kubectlStdin(JSON.stringify(m), 'apply', '--dry-run=server', '-n', ns, '-f', '-');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(`The ConsumerPool "${name}" is invalid`);
    expect(r.stderr).toMatch(message);
  });

  it('accepts a name of exactly 63 characters', async () => {
    const r = await k.kubectlStdin(JSON.stringify(poolManifest('a'.repeat(63))), 'apply', '--dry-run=server', '-n', ns, '-f', '-');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('accepts a minimal pool and fills the defaults', async () => {
    const r = await k.kubectlStdin(JSON.stringify(poolManifest('minimal', { replicas: 1 })), 'apply', '-n', ns, '-f', '-');
    expect(r.stderr).toBe('');
    const pool = await getPool(k, ns, 'minimal');
    expect(pool.spec.queue).toEqual({ name: 'minimal', declare: 'operator', prefetch: 1, type: 'classic', retry: { limit: 15, delaysMs: [10000] } });
    expect(pool.spec.drain).toEqual({ timeoutSeconds: 30 });
    expect(pool.spec.autoscaling).toBeUndefined();
  });

  it('accepts a generic pool without a module, and defaults the runtime to hare', async () => {
    const m = poolManifest('generic', { extra: { runtime: 'generic' } });
    delete spec(m).module;
    const r = await k.kubectlStdin(JSON.stringify(m), 'apply', '-n', ns, '-f', '-');
    expect(r.stderr).toBe('');
    expect((await getPool(k, ns, 'generic')).spec).toMatchObject({ runtime: 'generic' });
    expect((await getPool(k, ns, 'generic')).spec.module).toBeUndefined();
    await k.kubectlStdin(JSON.stringify(poolManifest('default-runtime')), 'apply', '-n', ns, '-f', '-');
    expect((await getPool(k, ns, 'default-runtime')).spec.runtime).toBe('hare');
  });

  it('accepts a generic pool with its own preStop, probes, port 8080 and a full template', async () => {
    const m = poolManifest('full-template', { extra: { runtime: 'generic', template: { spec: {
      volumes: [{ name: 'config', configMap: { name: 'c' } }, { name: 'claim', persistentVolumeClaim: { claimName: 'data' } }],
      initContainers: [{ name: 'sidecar', image: 'x:1', restartPolicy: 'Always', securityContext: { runAsUser: 1000, capabilities: { add: ['NET_BIND_SERVICE'] } } }],
      containers: [{ name: 'consumer', command: ['/c'], ports: [{ name: 'http', containerPort: 8080 }], lifecycle: { preStop: { sleep: { seconds: 3 } } }, livenessProbe: { httpGet: { port: 8080, path: '/' } } }],
      runtimeClassName: 'gvisor', topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
    } } } });
    const r = await k.kubectlStdin(JSON.stringify(m), 'apply', '--dry-run=server', '-n', ns, '-f', '-');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('fills the autoscaling defaults when autoscaling is present', async () => {
    const m = poolManifest('auto', { extra: { autoscaling: { maxReplicas: 6 } } });
    await k.kubectlStdin(JSON.stringify(m), 'apply', '-n', ns, '-f', '-');
    const pool = await getPool(k, ns, 'auto');
    expect(pool.spec.autoscaling).toEqual({
      enabled: true, minReplicas: 1, maxReplicas: 6, messagesPerReplica: 10, activationMessages: 0, pollIntervalSeconds: 5,
      scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 60 }, fallback: { failureThreshold: 3 }, paused: false,
    });
  });

  it('explains its fields with descriptions', async () => {
    const out = await k.kubectl('explain', 'consumerpool.spec.autoscaling');
    expect(out).toMatch(/GROUP:\s+hare\.dev/);
    expect(out).toMatch(/Queue-depth autoscaler/);
    expect(out).toMatch(/minReplicas\s+<integer>[\s\S]*Lower bound/);
    expect(out).toMatch(/scaleDown\s+<Object>[\s\S]*Scale-down behaviour/);
    const queue = await k.kubectl('explain', 'cpool.spec.queue.retry.delaysMs');
    expect(queue).toMatch(/Delays\s+in\s+milliseconds,\s+one\s+delay\s+queue\s+each.\s+Sorted\s+ascending/);
  });

  it('lists pools with the printer columns, by short name and category', async () => {
    const table = await k.kubectl('get', 'cpool', '-n', ns);
    expect(table.split('\n')[0]?.split(/\s+/)).toEqual(['NAME', 'MODULE', 'REPLICAS', 'READY', 'STATUS', 'QUEUE', 'MIN', 'MAX', 'AGE']);
    expect(table).toMatch(/^auto\s+orders\s+/m);
    const wide = await k.kubectl('get', 'hare', '-n', ns, '-o', 'wide');
    expect(wide.split('\n')[0]).toMatch(/UNACKED\s+DRAINING\s+REASON/);
  });
});
