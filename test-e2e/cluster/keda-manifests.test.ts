// Unit tests: KEDA's objects on the cluster, the ScaledObjects of the tests, and the two processes' command lines.
import { describe, expect, it } from 'vitest';
import { clusterConfig } from './config.ts';
import { kedaCommands } from './keda.ts';
import { KEDA_PORTS, metricsApiObjects, rabbitmqAuth, scaledObject } from './keda-manifests.ts';

const pool = { apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', name: 'orders' };
const flag = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('KEDA manifests', () => {
  it('registers the external metrics API on the adapter at the host the API server dials, with the CA that signed it', () => {
    const objects = metricsApiObjects({ host: 'localhost', port: 16443, caBundle: 'Q0E=' }) as { kind: string; spec?: Record<string, unknown> }[];
    const svc = objects.find((o) => o.kind === 'Service');
    expect(svc?.spec).toEqual({ type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port: 16443 }] });
    const onKind = metricsApiObjects({ host: '10.244.0.1', port: 16443, caBundle: 'Q0E=' }).find((o) => o.kind === 'Service') as { spec: unknown };
    expect(onKind.spec).toMatchObject({ externalName: '10.244.0.1' });
    const api = objects.find((o) => o.kind === 'APIService');
    expect(api?.spec).toMatchObject({ group: 'external.metrics.k8s.io', version: 'v1beta1', caBundle: 'Q0E=', service: { port: 16443 } });
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding') as { subjects: unknown[] } | undefined;
    expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }]);
  });

  it('makes a ScaledObject on a pool with the rabbitmq trigger in QueueLength mode, the HPA default kept unless asked', () => {
    const so = scaledObject({ name: 'orders', namespace: 'e2e', target: pool, queue: 'orders', value: 5, minReplicas: 1, maxReplicas: 3 }) as { spec: Record<string, unknown> };
    expect(so.spec).toEqual({
      scaleTargetRef: pool,
      minReplicaCount: 1,
      maxReplicaCount: 3,
      triggers: [{ type: 'rabbitmq', metadata: { protocol: 'amqp', queueName: 'orders', mode: 'QueueLength', value: '5' }, authenticationRef: { name: 'keda-rabbitmq' } }],
    });
    const fast = scaledObject({ name: 'o', namespace: 'e2e', target: pool, queue: 'q', value: 5, minReplicas: 1, maxReplicas: 3, pollingIntervalSeconds: 5, scaleDownWindowSeconds: 30 }) as { spec: Record<string, unknown> };
    expect(fast.spec.pollingInterval).toBe(5);
    expect(fast.spec.advanced).toEqual({ horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } } });
  });

  it('hands the trigger its AMQP URI through a Secret, not in the ScaledObject', () => {
    const [secret, auth] = rabbitmqAuth('e2e', 'amqp://u:p@127.0.0.1:5672/') as [{ stringData: Record<string, string> }, { spec: unknown }];
    expect(secret.stringData).toEqual({ host: 'amqp://u:p@127.0.0.1:5672/' });
    expect(auth.spec).toEqual({ secretTargetRef: [{ parameter: 'host', name: 'keda-rabbitmq', key: 'host' }] });
  });
});

describe('KEDA command lines', () => {
  const cmds = kedaCommands(clusterConfig({ HARE_CACHE: '/c' }, '/h'), '/k/admin.kubeconfig', '/c/cluster/keda');
  it('joins the adapter to the operator over loopback gRPC with the shared certificate directory', () => {
    const grpc = `127.0.0.1:${KEDA_PORTS.grpc}`;
    expect(flag(cmds['keda-operator'].args, 'metrics-service-bind-address')).toBe(grpc);
    expect(flag(cmds['keda-adapter'].args, 'metrics-service-address')).toBe(grpc);
    expect(flag(cmds['keda-operator'].args, 'cert-dir')).toBe('/c/cluster/keda');
    expect(flag(cmds['keda-adapter'].args, 'tls-cert-file')).toBe('/c/cluster/keda/tls.crt');
    expect(cmds['keda-adapter'].bin).toBe('/c/bin/keda-adapter');
  });
  it('binds every port to loopback and rotates no certificates', () => {
    expect(flag(cmds['keda-adapter'].args, 'bind-address')).toBe('127.0.0.1');
    for (const f of ['metrics-bind-address', 'health-probe-bind-address']) expect(flag(cmds['keda-operator'].args, f)).toMatch(/^127\.0\.0\.1:/);
    expect(flag(cmds['keda-operator'].args, 'enable-cert-rotation')).toBe('false');
  });
});
