// URI parsing for the depth sources: vhosts, credential-free display forms, Basic auth, scrubbing.
import { describe, expect, it } from 'vitest';
import { amqpTarget, managementTarget, scrub } from './uri.ts';

describe('amqpTarget', () => {
  it.each([
    ['amqp://u:p@host', '/'],
    ['amqp://u:p@host/', '/'],
    ['amqp://u:p@host:5672/%2F', '/'],
    ['amqps://u:p@host/orders', 'orders'],
    ['amqp://host/a%2Fb?heartbeat=10', 'a/b'],
  ])('%s selects vhost %s', (uri, vhost) => {
    expect(amqpTarget(uri).vhost).toBe(vhost);
  });

  it('displays the broker without credentials or query', () => {
    const t = amqpTarget('amqp://guest:s3cr%40t@rabbit.example:5672/prod?heartbeat=10');
    expect(t.display).toBe('amqp://rabbit.example:5672/prod');
    expect(t.secrets).toEqual(['s3cr%40t', 's3cr@t']);
  });

  it('rejects other schemes and garbage without echoing the input', () => {
    expect(() => amqpTarget('http://u:hunter2@host')).toThrow(/unsupported scheme http:/);
    expect(() => amqpTarget('not a uri hunter2')).toThrow(TypeError);
    expect(() => amqpTarget('not a uri hunter2')).not.toThrow(/hunter2/);
  });
});

describe('managementTarget', () => {
  it('moves credentials into a Basic header and keeps a path prefix', () => {
    const t = managementTarget('https://admin:pa%3Ass@mq.example:15671/rabbitmq/');
    expect(t.base).toBe('https://mq.example:15671/rabbitmq');
    expect(t.authorization).toBe(`Basic ${Buffer.from('admin:pa:ss').toString('base64')}`);
    expect(t.secrets).toContain('pa:ss');
  });

  it('works without credentials', () => {
    expect(managementTarget('http://127.0.0.1:15672')).toMatchObject({ base: 'http://127.0.0.1:15672', authorization: undefined });
  });
});

describe('scrub', () => {
  it('removes userinfo from URIs and known secrets from free text', () => {
    const text = 'failed amqp://guest:hunter2@h:5672/ and http://a:b@h2 (password hunter2)';
    expect(scrub(text, ['hunter2'])).toBe('failed amqp://***@h:5672/ and http://***@h2 (password ***)');
  });
});
