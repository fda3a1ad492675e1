import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import type { Env } from './config.ts';

const base: Env = {
  HARE_MODULE: 'orders',
  HARE_BROKER_URI: 'amqp://app:s3cret-pass@rabbit:5672/vh',
  HARE_QUEUE: 'orders',
};

function ok(env: Env) {
  const r = parseConfig(env, 'host-1');
  if (!r.ok) throw new Error(`expected ok, got ${r.errors.join('; ')}`);
  return r.config;
}

function errors(env: Env): string[] {
  const r = parseConfig(env, 'host-1');
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = ok(base);
    expect(c).toMatchObject({
      module: 'orders',
      modulesDir: '/app/modules',
      queue: 'orders',
      exchange: undefined,
      routingKey: 'orders',
      prefetch: 1,
      queueType: 'classic',
      declare: 'operator',
      retryLimit: 15,
      retryDelaysMs: [10000],
      redeliveryLimit: 10,
      drainTimeoutMs: 30000,
      podName: 'host-1',
      httpPort: 8080,
      logLevel: 'info',
    });
  });

  it('reads every variable the operator sets', () => {
    const c = ok({
      ...base,
      HARE_EXCHANGE: 'shop',
      HARE_ROUTING_KEY: 'orders.created',
      HARE_PREFETCH: '25',
      HARE_QUEUE_TYPE: 'quorum',
      HARE_DECLARE: 'none',
      HARE_RETRY_LIMIT: '0',
      HARE_RETRY_DELAYS_MS: '30000, 1000,5000',
      HARE_DRAIN_TIMEOUT_SECONDS: '2.5',
      HARE_HANDLER_TIMEOUT_SECONDS: '90',
      HARE_POD_NAME: 'orders-x7k2p',
      HARE_POD_NAMESPACE: 'shop',
      HARE_POOL: 'orders',
      HARE_HTTP_PORT: '9090',
      HARE_MODULES_DIR: '/srv/mods',
      HARE_LOG_LEVEL: 'debug',
      HARE_REDELIVERY_LIMIT: '3',
    });
    expect(c).toMatchObject({
      exchange: 'shop',
      routingKey: 'orders.created',
      prefetch: 25,
      queueType: 'quorum',
      declare: 'none',
      retryLimit: 0,
      retryDelaysMs: [1000, 5000, 30000],
      drainTimeoutMs: 2500,
      handlerTimeoutMs: 90_000,
      podName: 'orders-x7k2p',
      podNamespace: 'shop',
      pool: 'orders',
      httpPort: 9090,
      modulesDir: '/srv/mods',
      logLevel: 'debug',
      redeliveryLimit: 3,
    });
  });

  it('reads the broker TLS files, and wants a client certificate and its key together', () => {
    expect(ok(base).tls).toEqual({ caFile: undefined, certFile: undefined, keyFile: undefined });
    expect(ok({ ...base, HARE_TLS_CA_FILE: '/etc/hare/tls/ca.crt', HARE_TLS_CERT_FILE: '/c', HARE_TLS_KEY_FILE: '/k' }).tls).toEqual({ caFile: '/etc/hare/tls/ca.crt', certFile: '/c', keyFile: '/k' });
    expect(errors({ ...base, HARE_TLS_CERT_FILE: '/c' })).toEqual(['HARE_TLS_KEY_FILE: is required with HARE_TLS_CERT_FILE']);
  });

  it('treats empty values as unset', () => {
    const c = ok({ ...base, HARE_EXCHANGE: '', HARE_ROUTING_KEY: '  ', HARE_PREFETCH: '' });
    expect(c.exchange).toBeUndefined();
    expect(c.routingKey).toBe('orders');
    expect(c.prefetch).toBe(1);
  });

  it('has no handler timeout unless one is set; 0 is none as well', () => {
    expect(ok(base).handlerTimeoutMs).toBeUndefined();
    expect(ok({ ...base, HARE_HANDLER_TIMEOUT_SECONDS: '0' }).handlerTimeoutMs).toBeUndefined();
    expect(ok({ ...base, HARE_HANDLER_TIMEOUT_SECONDS: '0.5' }).handlerTimeoutMs).toBe(500);
  });

  it('reads a batch only with HARE_BATCH_SIZE, at most the prefetch, the max wait 1000 ms by default', () => {
    expect(ok(base).batch).toBeUndefined();
    expect(ok({ ...base, HARE_PREFETCH: '10', HARE_BATCH_SIZE: '10' }).batch).toEqual({ size: 10, maxWaitMs: 1000 });
    expect(ok({ ...base, HARE_PREFETCH: '10', HARE_BATCH_SIZE: '4', HARE_BATCH_MAX_WAIT_MS: '250' }).batch).toEqual({ size: 4, maxWaitMs: 250 });
    expect(errors({ ...base, HARE_PREFETCH: '5', HARE_BATCH_SIZE: '10' })).toEqual(['HARE_BATCH_SIZE: must be at most HARE_PREFETCH (5): a batch of 10 could never fill']);
    expect(errors({ ...base, HARE_BATCH_MAX_WAIT_MS: '250' })).toEqual(['HARE_BATCH_MAX_WAIT_MS: is set but HARE_BATCH_SIZE is not']);
  });

  it('names every missing required variable', () => {
    const e = errors({});
    expect(e).toEqual(expect.arrayContaining(['HARE_MODULE: is required', 'HARE_BROKER_URI: is required', 'HARE_QUEUE: is required']));
  });

  it.each([
    ['HARE_PREFETCH', '0'],
    ['HARE_PREFETCH', '65536'],
    ['HARE_PREFETCH', '1.5'],
    ['HARE_PREFETCH', 'ten'],
    ['HARE_RETRY_LIMIT', '-1'],
    ['HARE_REDELIVERY_LIMIT', '0'],
    ['HARE_QUEUE_TYPE', 'stream'],
    ['HARE_DECLARE', 'broker'],
    ['HARE_RETRY_DELAYS_MS', '1000,,5000'],
    ['HARE_RETRY_DELAYS_MS', '0'],
    ['HARE_RETRY_DELAYS_MS', '4294967296'],
    ['HARE_DRAIN_TIMEOUT_SECONDS', '-3'],
    ['HARE_DRAIN_TIMEOUT_SECONDS', 'soon'],
    ['HARE_HANDLER_TIMEOUT_SECONDS', '-1'],
    ['HARE_HANDLER_TIMEOUT_SECONDS', '1m'],
    ['HARE_HTTP_PORT', '70000'],
    ['HARE_LOG_LEVEL', 'loud'],
    ['HARE_QUEUE', 'amq.orders'],
    ['HARE_QUEUE', 'my orders'],
    ['HARE_MODULE', '../etc/passwd'],
    ['HARE_MODULE', '/abs/path'],
  ])('rejects %s=%s with an error naming the variable', (name, value) => {
    const e = errors({ ...base, [name]: value });
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('accepts scoped package names as modules', () => {
    expect(ok({ ...base, HARE_MODULE: '@acme/billing-consumer' }).module).toBe('@acme/billing-consumer');
  });

  it('rejects non-AMQP broker URIs without echoing them', () => {
    for (const uri of ['http://u:topsecret@h/', 'not a uri topsecret', 'amqp://u:topsecret@/']) {
      const e = errors({ ...base, HARE_BROKER_URI: uri });
      expect(e[0]).toMatch(/^HARE_BROKER_URI: /);
      expect(e.join('\n')).not.toContain('topsecret');
    }
  });

  it('rejects a queue whose delay queue names would exceed 255 bytes', () => {
    const e = errors({ ...base, HARE_QUEUE: 'q'.repeat(245), HARE_RETRY_DELAYS_MS: '86400000' });
    expect(e[0]).toMatch(/^HARE_QUEUE: is too long/);
  });
});
