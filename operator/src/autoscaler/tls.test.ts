import { describe, expect, it } from 'vitest';
import { amqpTlsOptions, clientKey } from './tls.ts';

describe('broker TLS options', () => {
  it('adds the CA, and with a client certificate SASL EXTERNAL; never turns verification off', () => {
    expect(amqpTlsOptions(undefined)).toEqual({});
    expect(amqpTlsOptions({ ca: 'CA' })).toEqual({ ca: ['CA'] });
    const client = amqpTlsOptions({ ca: 'CA', cert: 'CERT', key: 'KEY' });
    expect(client).toMatchObject({ ca: ['CA'], cert: 'CERT', key: 'KEY' });
    expect(client.credentials?.mechanism).toBe('EXTERNAL');
    expect(amqpTlsOptions({ cert: 'CERT' })).toEqual({}); // a certificate without its key is no client certificate
    for (const o of [client, amqpTlsOptions({ ca: 'CA' })]) expect('rejectUnauthorized' in o).toBe(false);
  });

  it('shares a client only between pools with the same URI and the same material', () => {
    expect(clientKey('amqps://h', undefined)).toBe('amqps://h');
    expect(clientKey('amqps://h', { ca: 'A' })).toBe(clientKey('amqps://h', { ca: 'A' }));
    expect(clientKey('amqps://h', { ca: 'A' })).not.toBe(clientKey('amqps://h', { ca: 'B' }));
    expect(clientKey('amqps://h', { ca: 'A' })).not.toContain('A');
  });
});
