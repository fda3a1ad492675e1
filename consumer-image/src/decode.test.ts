import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { UndecodableBodyError, decodeBody, deliveredBefore, deliveryCountOf, isJsonContentType, propertiesOf, retryCountOf, toMessage } from './decode.ts';

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['application/vnd.acme.order+json', true],
    ['text/plain', false],
    ['application/octet-stream', false],
    [undefined, false],
  ])('%s -> %s', (ct, expected) => expect(isJsonContentType(ct)).toBe(expected));
});

describe('decodeBody', () => {
  it('parses JSON when the content type says so', () => {
    expect(decodeBody(Buffer.from('{"a":[1,2]}'), 'application/json')).toEqual({ a: [1, 2] });
  });

  it('keeps raw bytes otherwise, even if they look like JSON', () => {
    const raw = Buffer.from('{"a":1}');
    expect(decodeBody(raw, undefined)).toBe(raw);
    expect(decodeBody(raw, 'text/plain')).toBe(raw);
  });

  it('throws UndecodableBodyError for malformed JSON', () => {
    expect(() => decodeBody(Buffer.from('{oops'), 'application/json')).toThrow(UndecodableBodyError);
  });
});

describe('retryCountOf', () => {
  it.each([
    [undefined, 0],
    [{}, 0],
    [{ retry_count: 3 }, 3],
    [{ retry_count: '4' }, 4],
    [{ retry_count: -2 }, 0],
    [{ retry_count: 'x' }, 0],
    [{ retry_count: 2.7 }, 2],
  ])('%j -> %d', (headers, n) => expect(retryCountOf(headers as Record<string, unknown> | undefined)).toBe(n));

  it('reads a bigint count (64-bit header values)', () => {
    expect(retryCountOf({ retry_count: 5n })).toBe(5);
  });
});

describe('toMessage', () => {
  const delivery = (contentType: string | undefined, content: string, headers?: Record<string, unknown>): ConsumeMessage =>
    ({
      content: Buffer.from(content),
      fields: { deliveryTag: 1, redelivered: true, exchange: 'shop', routingKey: 'orders', consumerTag: 't' },
      properties: {
        contentType, contentEncoding: undefined, headers, deliveryMode: 2, priority: undefined, correlationId: 'c-1',
        replyTo: undefined, expiration: undefined, messageId: 'm-1', timestamp: undefined, type: undefined,
        userId: undefined, appId: undefined, clusterId: undefined,
      },
    });

  it('builds the module-facing message', () => {
    const m = toMessage(delivery('application/json', '{"n":1}', { retry_count: 2, tenant: 'x' }));
    expect(m).toMatchObject({
      body: { n: 1 },
      retryCount: 2,
      redelivered: true,
      exchange: 'shop',
      routingKey: 'orders',
      headers: { retry_count: 2, tenant: 'x' },
      properties: { contentType: 'application/json', messageId: 'm-1', correlationId: 'c-1', deliveryMode: 2 },
    });
    expect(Object.keys(m.properties)).not.toContain('replyTo');
  });

  it('gives empty headers, not undefined', () => {
    expect(toMessage(delivery(undefined, 'raw')).headers).toEqual({});
  });

  it('propertiesOf drops unset properties', () => {
    expect(propertiesOf(delivery(undefined, '').properties)).toEqual({ deliveryMode: 2, correlationId: 'c-1', messageId: 'm-1' });
  });

  it('counts earlier deliveries from x-delivery-count or, where larger, RabbitMQ 4 x-acquired-count', () => {
    expect(deliveryCountOf(undefined)).toBe(0);
    expect(deliveryCountOf({ 'x-delivery-count': 0 })).toBe(0);
    expect(deliveryCountOf({ 'x-delivery-count': 2, 'x-acquired-count': 5 })).toBe(5);
    expect(deliveryCountOf({ 'x-acquired-count': 1 })).toBe(1);
    const delivery = (redelivered: boolean, headers: Record<string, unknown>): ConsumeMessage =>
      ({ fields: { redelivered }, properties: { headers } }) as unknown as ConsumeMessage;
    expect(deliveredBefore(delivery(false, { 'x-delivery-count': 0 }))).toBe(false);
    expect(deliveredBefore(delivery(true, {}))).toBe(true);
    expect(deliveredBefore(delivery(false, { 'x-delivery-count': 1 }))).toBe(true);
  });
});
