import { describe, expect, it } from 'vitest';
import { fileScrapeJobs, podTargets, type PodLike } from './prometheus.ts';

const pod = (name: string, app: string, port: string, phase = 'Running', ip: string | undefined = '10.244.0.7'): PodLike => ({
  metadata: { name, namespace: 'shop', labels: { 'app.kubernetes.io/name': app } },
  spec: { containers: [{ ports: [{ name: 'health', containerPort: 8081 }, { name: port, containerPort: 8080 }] }] },
  status: { phase, ...(ip ? { podIP: ip } : {}) },
});

describe('pod targets for Prometheus', () => {
  it('scrapes running pods of the app on their named port, labelled with namespace and pod', () => {
    const pods = [pod('orders-a', 'hare-consumer', 'http'), pod('orders-b', 'hare-consumer', 'http', 'Pending', undefined), pod('op', 'hare-operator', 'metrics'), pod('x', 'other', 'http')];
    expect(podTargets(pods, 'hare-consumer')).toEqual([{ targets: ['10.244.0.7:8080'], labels: { namespace: 'shop', pod: 'orders-a' } }]);
    expect(podTargets(pods, 'hare-operator').map((g) => g.labels.pod)).toEqual(['op']);
    expect(podTargets([pod('y', 'hare-operator', 'http')], 'hare-operator')).toEqual([]);
  });

  it('gives each app a job with honored labels and a target file', () => {
    expect(fileScrapeJobs('/d')).toEqual([
      { job_name: 'hare-operator', honor_labels: true, file_sd_configs: [{ files: ['/d/hare-operator.json'], refresh_interval: '5s' }] },
      { job_name: 'hare-consumer', honor_labels: true, file_sd_configs: [{ files: ['/d/hare-consumer.json'], refresh_interval: '5s' }] },
    ]);
  });
});
