import { describe, expect, it } from 'vitest';
import { makePool } from '../testing/fixtures.ts';
import { desiredPod } from './pod.ts';
import { RESTRICTED, restricted } from './template.ts';

const fullTemplate = {
  volumes: [{ name: 'config', configMap: { name: 'orders-config' } }, { name: 'certs', secret: { secretName: 'orders-certs' } }],
  initContainers: [
    { name: 'migrate', image: 'registry.example/shop/migrate:1', command: ['/migrate'] },
    { name: 'proxy', image: 'registry.example/shop/proxy:1', restartPolicy: 'Always', securityContext: { runAsUser: 1001 } },
  ],
  containers: [
    {
      name: 'consumer',
      command: ['/bin/orders'],
      args: ['--queue', '$(HARE_QUEUE)'],
      env: [{ name: 'MODE', value: 'fast' }],
      envFrom: [{ configMapRef: { name: 'orders-env' } }],
      volumeMounts: [{ name: 'config', mountPath: '/etc/orders', readOnly: true }],
      ports: [{ name: 'metrics', containerPort: 9100 }],
      readinessProbe: { tcpSocket: { port: 'metrics' } },
      imagePullPolicy: 'Always',
      securityContext: { runAsUser: 1000, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['NET_RAW'] } },
    },
    { name: 'log-shipper', image: 'registry.example/shop/logs:1' },
  ],
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
  runtimeClassName: 'gvisor',
  dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
  hostAliases: [{ ip: '10.0.0.9', hostnames: ['rabbit.local'] }],
};

describe('the pod template', () => {
  it('changes nothing when it names none of the new fields (existing pods do not roll)', () => {
    const pod = desiredPod(makePool()).pod;
    expect(pod.spec?.containers).toHaveLength(1);
    expect(pod.spec?.initContainers).toBeUndefined();
    expect(pod.spec?.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    expect(pod.spec?.containers[0]?.securityContext).toBe(RESTRICTED);
  });

  it('merges the entry named consumer into the operator\'s container, appending env, mounts and ports', () => {
    const pod = desiredPod(makePool({ image: 'registry.example/shop/orders:2', template: { spec: fullTemplate } })).pod;
    const [consumer, shipper] = pod.spec?.containers ?? [];
    expect(consumer).toMatchObject({
      name: 'consumer', image: 'registry.example/shop/orders:2', command: ['/bin/orders'], args: ['--queue', '$(HARE_QUEUE)'],
      envFrom: [{ configMapRef: { name: 'orders-env' } }], imagePullPolicy: 'Always', readinessProbe: { tcpSocket: { port: 'metrics' } },
    });
    expect(consumer?.env?.at(-1)).toEqual({ name: 'MODE', value: 'fast' });
    expect(consumer?.env?.some((e) => e.name === 'HARE_QUEUE')).toBe(true);
    expect(consumer?.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'config', mountPath: '/etc/orders', readOnly: true }]);
    expect(consumer?.ports?.map((p) => p.name)).toEqual(['http', 'metrics']);
    expect(consumer?.livenessProbe?.httpGet?.path).toBe('/healthz'); // what the template does not set stays the operator's
    expect(consumer?.lifecycle?.preStop?.httpGet?.path).toBe('/drain');
    expect(shipper).toMatchObject({ name: 'log-shipper', image: 'registry.example/shop/logs:1', securityContext: RESTRICTED });
    expect(pod.spec?.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([['migrate', undefined], ['proxy', 'Always']]);
    expect(pod.spec?.volumes?.map((v) => v.name)).toEqual(['tmp', 'config', 'certs']);
    expect(pod.spec).toMatchObject({ runtimeClassName: 'gvisor', hostAliases: fullTemplate.hostAliases, dnsConfig: fullTemplate.dnsConfig, topologySpreadConstraints: fullTemplate.topologySpreadConstraints });
  });

  it('keeps every container restricted: ALL dropped whatever the template drops, its own settings on top', () => {
    const pod = desiredPod(makePool({ template: { spec: fullTemplate } })).pod;
    expect(pod.spec?.containers[0]?.securityContext).toEqual({
      ...RESTRICTED, runAsUser: 1000, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL', 'NET_RAW'] },
    });
    expect(pod.spec?.initContainers?.[1]?.securityContext).toEqual({ ...RESTRICTED, runAsUser: 1001, capabilities: { drop: ['ALL'] } });
    expect(restricted({ readOnlyRootFilesystem: false })).toMatchObject({ readOnlyRootFilesystem: false, allowPrivilegeEscalation: false, runAsNonRoot: true });
  });

  it('lets a generic image bring its probes and hooks, and a mount at /tmp replace the operator\'s', () => {
    const consumer = {
      name: 'consumer', lifecycle: { preStop: { sleep: { seconds: 2 } } }, livenessProbe: { exec: { command: ['/healthy'] } },
      volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
    };
    const pool = makePool({ runtime: 'generic', template: { spec: { volumes: [{ name: 'scratch', emptyDir: {} }], containers: [consumer] } } });
    const c = desiredPod(pool).pod.spec?.containers[0];
    expect(c).toMatchObject({ lifecycle: consumer.lifecycle, livenessProbe: consumer.livenessProbe });
    expect(c?.readinessProbe).toBeUndefined();
    expect(c?.ports).toBeUndefined();
    expect(c?.volumeMounts).toEqual([{ name: 'scratch', mountPath: '/tmp' }]);
  });

  it('rolls the pods when any template field changes', () => {
    const base = desiredPod(makePool({ template: { spec: fullTemplate } })).templateHash;
    expect(desiredPod(makePool({ template: { spec: { ...fullTemplate, runtimeClassName: 'kata' } } })).templateHash).not.toBe(base);
    expect(desiredPod(makePool({ template: { spec: { ...fullTemplate, volumes: [] } } })).templateHash).not.toBe(base);
    expect(desiredPod(makePool({ template: { spec: fullTemplate } })).templateHash).toBe(base);
  });
});
