// Unit tests: mountinfo parsing, sandbox netns lookup, kubeconfig rendering, image names, broker Secret.
import { describe, expect, it } from 'vitest';
import { clusterConfig } from './config.ts';
import { normalizeImageRef } from './images.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { mountsUnder, netnsFromInfo } from './node-teardown.ts';
import { brokerSecret, podBrokerFor } from './rabbitmq.ts';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '90 22 0:50 / /s/kubelet/pods/u1/volumes/kubernetes.io~projected/kube-api-access-x rw - tmpfs tmpfs rw',
  '91 22 0:51 / /s/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - overlay overlay rw',
  '92 22 0:52 / /s-other/x rw - tmpfs tmpfs rw',
  '93 22 0:53 / /run/netns/cni-1234 rw - nsfs nsfs rw',
  '94 22 0:54 / /s/with\\040space rw - tmpfs tmpfs rw',
].join('\n');

describe('mountsUnder', () => {
  it('finds mounts under the prefixes, deepest first, unescaping spaces and ignoring look-alike prefixes', () => {
    const m = mountsUnder(MOUNTINFO, ['/s', '/run/netns/cni-1234']);
    expect(m[0]).toBe('/s/kubelet/pods/u1/volumes/kubernetes.io~projected/kube-api-access-x');
    expect(m).toContain('/s/with space');
    expect(m).toContain('/run/netns/cni-1234');
    expect(m).not.toContain('/s-other/x');
    expect(m).not.toContain('/');
  });
});

describe('netnsFromInfo', () => {
  it('reads the network namespace path of a sandbox spec', () => {
    const info = JSON.stringify({ Spec: { linux: { namespaces: [{ type: 'pid' }, { type: 'network', path: '/var/run/netns/cni-9' }] } } });
    expect(netnsFromInfo(info)).toBe('/var/run/netns/cni-9');
    expect(netnsFromInfo(JSON.stringify({ Spec: { linux: { namespaces: [{ type: 'network' }] } } }))).toBeUndefined();
  });
});

describe('renderKubeconfig', () => {
  it('embeds credentials as base64 and selects its only context', () => {
    const y = renderKubeconfig({ cluster: 'c', user: 'u', server: 'https://127.0.0.1:6443', caPem: 'CA', certPem: 'CERT', keyPem: 'KEY' });
    expect(y).toContain('server: https://127.0.0.1:6443');
    expect(y).toContain(`certificate-authority-data: ${Buffer.from('CA').toString('base64')}`);
    expect(y).toContain(`client-key-data: ${Buffer.from('KEY').toString('base64')}`);
    expect(y).toContain('current-context: u@c');
  });
});

describe('normalizeImageRef', () => {
  it('applies docker reference normalisation', () => {
    expect(normalizeImageRef('app:1')).toBe('docker.io/library/app:1');
    expect(normalizeImageRef('shop/app:1')).toBe('docker.io/shop/app:1');
    expect(normalizeImageRef('localhost/hare/pause:3.10')).toBe('localhost/hare/pause:3.10');
    expect(normalizeImageRef('registry.example:5000/a:1')).toBe('registry.example:5000/a:1');
  });
});

describe('pod broker', () => {
  it('points pods at the node address with the pod user, in the keys ConsumerPool refs use', () => {
    const b = podBrokerFor(clusterConfig({ HARE_CACHE: '/c' }), 'hare-pods', 'p@ss');
    expect(b.uri).toBe('amqp://hare-pods:p%40ss@10.244.0.1:5672/');
    const s = brokerSecret(b, 'ns1') as { metadata: { namespace: string; name: string }; stringData: Record<string, string> };
    expect(s.metadata).toMatchObject({ namespace: 'ns1', name: 'rabbitmq' });
    expect(Object.keys(s.stringData)).toEqual(expect.arrayContaining(['uri', 'management-uri']));
  });
});
