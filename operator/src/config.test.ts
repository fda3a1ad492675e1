import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

describe('parseConfig', () => {
  it('has conventional defaults', () => {
    const c = parseConfig([], { HOME: '/home/op' });
    expect(c).toMatchObject({
      namespace: undefined, metricsPort: 8080, healthPort: 8081, leaderElect: false, workers: 4, resyncMs: 300_000, staleWatchMs: 300_000,
      lease: { namespace: 'default', name: 'hare-operator-leader' }, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
      autoscaler: true, kube: { file: undefined, inCluster: false, homeFile: '/home/op/.kube/config' },
    });
  });

  it('reads flags and the standard environment', () => {
    const c = parseConfig(['--kubeconfig', '/k', '--namespace', 'shop', '--leader-elect', '--workers', '8', '--no-autoscaler'], {
      KUBERNETES_SERVICE_HOST: '10.0.0.1', POD_NAME: 'op-1', POD_NAMESPACE: 'hare-system',
    });
    expect(c).toMatchObject({ namespace: 'shop', leaderElect: true, workers: 8, autoscaler: false, identity: 'op-1', lease: { namespace: 'hare-system' } });
    expect(c.kube).toMatchObject({ file: '/k', inCluster: true });
    expect(parseConfig([], { KUBECONFIG: ':/a:/b' }).kube.file).toBe('/a');
    expect(parseConfig(['--stale-watch', '5'], {}).staleWatchMs).toBe(5000);
  });

  it('rejects bad values with a message naming the flag', () => {
    expect(() => parseConfig(['--workers', 'two'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--workers', '0'], {})).toThrow(/--workers must be an integer >= 1/);
    expect(() => parseConfig(['--lease-duration', '5', '--renew-deadline', '10'], {})).toThrow(/renew-deadline < lease-duration/);
    expect(() => parseConfig(['--bogus'], {})).toThrow(/bogus/);
  });
});
