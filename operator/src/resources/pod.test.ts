import { describe, expect, it } from 'vitest';
import { ENV } from '../../../consumer-image/src/contract.ts';
import { makePool } from '../testing/fixtures.ts';
import { canonicalJson } from './hash.ts';
import { desiredPod, templateHashOf } from './pod.ts';

const envOf = (pool = makePool()) => desiredPod(pool).pod.spec?.containers[0]?.env ?? [];

describe('desiredPod', () => {
  it('is owned by the pool, named after it and labelled for selection', () => {
    const { pod, templateHash } = desiredPod(makePool());
    expect(pod.metadata?.generateName).toBe('orders-');
    expect(pod.metadata?.namespace).toBe('shop');
    expect(pod.metadata?.ownerReferences).toEqual([
      { apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', name: 'orders', uid: 'uid-orders', controller: true, blockOwnerDeletion: true },
    ]);
    expect(pod.metadata?.labels).toMatchObject({
      'hare.dev/pool': 'orders',
      'hare.dev/template-hash': templateHash,
      'app.kubernetes.io/name': 'hare-consumer',
      'app.kubernetes.io/instance': 'orders',
      'app.kubernetes.io/managed-by': 'hare-operator',
    });
    expect(templateHashOf(pod)).toBe(templateHash);
  });

  it('passes the pool through the pod contract env, the broker URI as a secret reference', () => {
    const env = envOf(makePool({ queue: { exchange: 'shop' } }));
    const value = (name: string) => env.find((e) => e.name === name);
    expect(value(ENV.module)?.value).toBe('orders');
    expect(value(ENV.queue)?.value).toBe('orders');
    expect(value(ENV.exchange)?.value).toBe('shop');
    expect(value(ENV.routingKey)?.value).toBe('orders');
    expect(value(ENV.prefetch)?.value).toBe('10');
    expect(value(ENV.retryDelaysMs)?.value).toBe('1000,5000,30000');
    expect(value(ENV.brokerUri)).toEqual({ name: ENV.brokerUri, valueFrom: { secretKeyRef: { name: 'rabbitmq', key: 'uri' } } });
    expect(value(ENV.podName)?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(env.some((e) => e.value?.includes('amqp://'))).toBe(false);
    expect(envOf().some((e) => e.name === ENV.exchange)).toBe(false); // no exchange, no variable
  });

  it('passes the handler timeout only when the pool sets one (no change to existing pods)', () => {
    const value = (pool: ReturnType<typeof makePool>) => envOf(pool).find((e) => e.name === ENV.handlerTimeoutSeconds);
    expect(value(makePool({ queue: { handlerTimeoutSeconds: 90 } }))).toEqual({ name: 'HARE_HANDLER_TIMEOUT_SECONDS', value: '90' });
    expect(value(makePool())).toBeUndefined();
    expect(desiredPod(makePool()).templateHash).toBe(desiredPod(makePool({ queue: { handlerTimeoutSeconds: undefined } })).templateHash);
  });

  it('passes spec.queue.batch as HARE_BATCH_SIZE and HARE_BATCH_MAX_WAIT_MS, and nothing without it', () => {
    const batchEnv = (pool: ReturnType<typeof makePool>) => envOf(pool).filter((e) => e.name.startsWith('HARE_BATCH_'));
    expect(batchEnv(makePool({ queue: { prefetch: 20, batch: { size: 10, maxWaitMs: 250 } } }))).toEqual([
      { name: 'HARE_BATCH_MAX_WAIT_MS', value: '250' },
      { name: 'HARE_BATCH_SIZE', value: '10' },
    ]);
    expect(batchEnv(makePool())).toEqual([]);
  });

  it('drains through preStop with a grace period of the drain timeout plus margin', () => {
    const { pod } = desiredPod(makePool({ drain: { timeoutSeconds: 120 } }));
    const c = pod.spec?.containers[0];
    expect(c?.lifecycle?.preStop?.httpGet).toEqual({ path: '/drain', port: 'http' });
    expect(pod.spec?.terminationGracePeriodSeconds).toBe(135);
    expect(c?.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c?.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(c?.livenessProbe?.httpGet?.path).toBe('/healthz');
  });

  it('gives a generic image the same env and grace period, and none of the runtime\'s port, probes or preStop', () => {
    const hare = desiredPod(makePool({ drain: { timeoutSeconds: 120 } })).pod;
    const pool = makePool({ runtime: 'generic', drain: { timeoutSeconds: 120 } });
    delete pool.spec.module;
    const generic = desiredPod(pool).pod;
    const c = generic.spec?.containers[0];
    expect(generic.spec?.terminationGracePeriodSeconds).toBe(135);
    expect(c?.ports).toBeUndefined();
    expect(c?.livenessProbe).toBeUndefined();
    expect(c?.readinessProbe).toBeUndefined();
    expect(c?.lifecycle).toBeUndefined();
    const names = (p: typeof hare): string[] => (p.spec?.containers[0]?.env ?? []).map((e) => e.name);
    expect(names(generic)).toEqual(names(hare).filter((n) => n !== ENV.module));
    expect(c?.securityContext).toEqual(hare.spec?.containers[0]?.securityContext);
    const named = desiredPod(makePool({ runtime: 'generic', module: 'billing' })).pod.spec?.containers[0]?.env;
    expect(named?.find((e) => e.name === ENV.module)?.value).toBe('billing');
    expect(desiredPod(makePool({ runtime: 'generic' })).templateHash).not.toBe(desiredPod(makePool()).templateHash);
  });

  it('mounts the broker TLS Secret read-only and points the contract env at its files', () => {
    const pod = desiredPod(makePool({ broker: { tls: { secretName: 'broker-tls', clientCertificate: true } } })).pod;
    expect(pod.spec?.volumes).toContainEqual({ name: 'broker-tls', secret: { secretName: 'broker-tls', defaultMode: 0o444 } });
    const c = pod.spec?.containers[0];
    expect(c?.volumeMounts).toContainEqual({ name: 'broker-tls', mountPath: '/etc/hare/tls', readOnly: true });
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ HARE_TLS_CA_FILE: '/etc/hare/tls/ca.crt', HARE_TLS_CERT_FILE: '/etc/hare/tls/tls.crt', HARE_TLS_KEY_FILE: '/etc/hare/tls/tls.key' });
    const caOnly = desiredPod(makePool({ broker: { tls: { secretName: 'broker-tls', clientCertificate: false } } })).pod.spec?.containers[0]?.env ?? [];
    expect(caOnly.map((e) => e.name).filter((n) => n.startsWith('HARE_TLS_'))).toEqual(['HARE_TLS_CA_FILE']);
    expect(desiredPod(makePool()).pod.spec?.volumes).toHaveLength(1);
  });

  it('hands the fatal message of the runtime (or the log tail) to the kubelet as the termination message', () => {
    const c = desiredPod(makePool()).pod.spec?.containers[0];
    expect(c).toMatchObject({ terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError' });
  });

  it('runs with the restricted security profile', () => {
    const { pod } = desiredPod(makePool());
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec?.containers[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
  });

  it('merges template overrides beneath the operator labels', () => {
    const pool = makePool({
      template: {
        metadata: { labels: { team: 'shop', 'app.kubernetes.io/name': 'mine' }, annotations: { note: 'x' } },
        spec: {
          resources: { limits: { cpu: '500m' } },
          env: [{ name: 'LOG', value: 'debug' }],
          nodeSelector: { disk: 'ssd' },
          tolerations: [{ key: 'k', operator: 'Exists' }],
          serviceAccountName: 'consumer',
          priorityClassName: 'high',
          imagePullSecrets: [{ name: 'regcred' }],
        },
      },
    });
    const { pod } = desiredPod(pool);
    expect(pod.metadata?.labels?.team).toBe('shop');
    expect(pod.metadata?.labels?.['app.kubernetes.io/name']).toBe('hare-consumer');
    expect(pod.metadata?.annotations).toEqual({ note: 'x' });
    expect(pod.spec).toMatchObject({ nodeSelector: { disk: 'ssd' }, serviceAccountName: 'consumer', priorityClassName: 'high', automountServiceAccountToken: true });
    expect(pod.spec?.containers[0]?.resources).toEqual({ limits: { cpu: '500m' } });
    expect(pod.spec?.containers[0]?.env?.at(-1)).toEqual({ name: 'LOG', value: 'debug' });
  });

  it('is deterministic, and the template hash follows only what changes the pod', () => {
    const a = desiredPod(makePool());
    const b = desiredPod(makePool());
    expect(JSON.stringify(a.pod)).toBe(JSON.stringify(b.pod));
    expect(desiredPod(makePool({ replicas: 7 })).templateHash).toBe(a.templateHash);
    expect(desiredPod(makePool({ image: 'registry.example/shop/consumers:1.5.0' })).templateHash).not.toBe(a.templateHash);
    expect(desiredPod(makePool({ template: { spec: { env: [{ name: 'A', value: '1' }] } } })).templateHash).not.toBe(a.templateHash);
    // label order in the pool does not matter
    const x = desiredPod(makePool({ template: { metadata: { labels: { a: '1', b: '2' } } } }));
    const y = desiredPod(makePool({ template: { metadata: { labels: { b: '2', a: '1' } } } }));
    expect(canonicalJson(x.pod)).toBe(canonicalJson(y.pod));
    expect(JSON.stringify(x.pod)).toBe(JSON.stringify(y.pod));
  });
});
