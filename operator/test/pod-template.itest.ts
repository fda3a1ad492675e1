// A generic pool with a full pod template on a real control plane, in a namespace that enforces the restricted
// pod security profile: the operator's pod is admitted, and carries the template as merged.
import { beforeAll, describe, expect, it } from 'vitest';
import { AMQP_URI } from './support/broker.ts';
import { createPool, poolPods, waitFor } from './support/kube.ts';
import { NO_NODE, poolManifest } from './support/pools.ts';
import { dumpLogsOnFailure, operatorSuite } from './support/suite.ts';

const s = operatorSuite('it-template');
beforeAll(async () => {
  await s.k.kubectl('label', 'namespace', s.ns, 'pod-security.kubernetes.io/enforce=restricted');
  await s.k.core.createNamespacedSecret({ namespace: s.ns, body: { metadata: { name: 'rabbitmq' }, stringData: { uri: AMQP_URI } } });
});

const template = {
  spec: {
    ...NO_NODE.template.spec,
    volumes: [{ name: 'config', configMap: { name: 'orders-config' } }, { name: 'spool', emptyDir: { sizeLimit: '16Mi' } }],
    initContainers: [{ name: 'proxy', image: 'localhost/hare/go-consumer:0.1.0', command: ['/proxy'], restartPolicy: 'Always' }],
    containers: [{
      name: 'consumer',
      command: ['/consumer', '--verbose'],
      envFrom: [{ configMapRef: { name: 'orders-env' } }],
      volumeMounts: [{ name: 'config', mountPath: '/etc/orders', readOnly: true }, { name: 'spool', mountPath: '/spool' }],
      readinessProbe: { exec: { command: ['/consumer', '--ready'] }, periodSeconds: 5 },
      resources: { limits: { cpu: '200m', memory: '64Mi' } },
    }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'hare.dev/pool': 'go' } } }],
    hostAliases: [{ ip: '10.0.0.9', hostnames: ['rabbit.local'] }],
    dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
  },
};

describe('a pool with a full pod template', () => {
  it('gets its pod admitted under the restricted profile, with volumes, envFrom, a native sidecar and its own command', async () => {
    dumpLogsOnFailure(s);
    const m = poolManifest('go', { replicas: 1, image: 'localhost/hare/go-consumer:0.1.0', extra: { runtime: 'generic', template } });
    delete (m.spec as Record<string, unknown>).module;
    await createPool(s.k, s.ns, m);
    const [pod] = await waitFor('the pod', async () => {
      const pods = await poolPods(s.k, s.ns, 'go');
      return pods.length === 1 && pods;
    });
    const spec = pod?.spec;
    const consumer = spec?.containers[0];
    expect(consumer).toMatchObject({ name: 'consumer', image: 'localhost/hare/go-consumer:0.1.0', command: ['/consumer', '--verbose'], envFrom: [{ configMapRef: { name: 'orders-env' } }] });
    expect(consumer?.volumeMounts?.map((v) => v.mountPath)).toEqual(['/tmp', '/etc/orders', '/spool']);
    expect(consumer?.readinessProbe?.exec?.command).toEqual(['/consumer', '--ready']);
    expect(consumer?.livenessProbe).toBeUndefined();
    expect(consumer?.lifecycle).toBeUndefined(); // generic: SIGTERM is the drain
    expect(spec?.initContainers?.map((c) => [c.name, c.restartPolicy, c.securityContext?.capabilities?.drop])).toEqual([['proxy', 'Always', ['ALL']]]);
    expect(spec?.volumes?.map((v) => v.name)).toEqual(['tmp', 'config', 'spool']);
    expect(spec?.hostAliases).toEqual(template.spec.hostAliases);
    expect(spec?.terminationGracePeriodSeconds).toBe(45);
  });

  it('is refused by the restricted namespace when the profile is broken anyway (the admission the test relies on is on)', async () => {
    const r = await s.k.kubectlStdin(JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose' },
      spec: { containers: [{ name: 'c', image: 'localhost/hare/go-consumer:0.1.0' }] },
    }), 'apply', '--dry-run=server', '-n', s.ns, '-f', '-');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
  });
});
