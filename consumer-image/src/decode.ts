// Decoding a delivery into the message a module sees: body by content type, properties, retry count.
import type { ConsumeMessage, MessageProperties as AmqpProperties } from 'amqplib';
import type { HareMessage, MessageProperties } from './api.ts';
import { ACQUIRED_COUNT_HEADER, DELIVERY_COUNT_HEADER, ORIGIN_HEADERS, RETRY_HEADER } from './contract.ts';

/** The body could not be decoded as its content type says; retrying cannot fix that. */
export class UndecodableBodyError extends Error {
  override readonly name = 'UndecodableBodyError';
}

/** True for application/json and structured-syntax suffixes such as application/vnd.acme+json. */
export function isJsonContentType(contentType: unknown): boolean {
  if (typeof contentType !== 'string') return false;
  const mime = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mime === 'application/json' || mime.endsWith('+json');
}

/** The body: parsed JSON for a JSON content type, else the raw bytes. Throws UndecodableBodyError. */
export function decodeBody(content: Buffer, contentType: unknown): unknown {
  if (!isJsonContentType(contentType)) return content;
  try {
    return JSON.parse(content.toString('utf8')) as unknown;
  } catch (cause) {
    throw new UndecodableBodyError(`body is not valid JSON although content-type is ${String(contentType)}`, { cause });
  }
}

/** The retry count carried in the `retry_count` header; absent or malformed counts as 0. */
export function retryCountOf(headers: Readonly<Record<string, unknown>> | undefined): number {
  return countHeader(headers, RETRY_HEADER);
}

/**
 * Earlier deliveries that ended unsettled, as a quorum queue counts them: `x-delivery-count`, or RabbitMQ 4's
 * `x-acquired-count` (which also counts requeues) where it is larger; 0 on classic queues.
 */
export function deliveryCountOf(headers: Readonly<Record<string, unknown>> | undefined): number {
  if (headers === undefined) return 0;
  return Math.max(countHeader(headers, DELIVERY_COUNT_HEADER), countHeader(headers, ACQUIRED_COUNT_HEADER));
}

/** The message was delivered before: flagged redelivered, or counted by a quorum queue. */
export function deliveredBefore(delivery: ConsumeMessage): boolean {
  return delivery.fields.redelivered || deliveryCountOf(delivery.properties.headers) > 0;
}

/** A non-negative integer header; absent or malformed counts as 0. */
function countHeader(headers: Readonly<Record<string, unknown>> | undefined, name: string): number {
  const raw = headers?.[name];
  const n = typeof raw === 'number' ? raw : typeof raw === 'bigint' ? Number(raw) : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

const PROPERTY_NAMES = [
  'contentType', 'contentEncoding', 'messageId', 'correlationId', 'replyTo', 'type',
  'appId', 'userId', 'timestamp', 'priority', 'deliveryMode', 'expiration',
] as const satisfies readonly (keyof MessageProperties & keyof AmqpProperties)[];

/** Only the properties that were set. */
export function propertiesOf(props: AmqpProperties): MessageProperties {
  const out: Record<string, unknown> = {};
  for (const name of PROPERTY_NAMES) {
    const v: unknown = props[name];
    if (v !== undefined && v !== null) out[name] = v;
  }
  return out;
}

const NO_HEADERS: Readonly<Record<string, unknown>> = Object.freeze({});

/** The message handed to consume(); throws UndecodableBodyError for a malformed JSON body. */
export function toMessage(delivery: ConsumeMessage): HareMessage {
  const headers = (delivery.properties.headers) ?? NO_HEADERS;
  return {
    body: decodeBody(delivery.content, delivery.properties.contentType),
    content: delivery.content,
    headers,
    properties: propertiesOf(delivery.properties),
    retryCount: retryCountOf(headers),
    redelivered: delivery.fields.redelivered,
    exchange: originOf(headers, ORIGIN_HEADERS.exchange) ?? delivery.fields.exchange,
    routingKey: originOf(headers, ORIGIN_HEADERS.routingKey) ?? delivery.fields.routingKey,
  };
}

/** A retried copy's original exchange or routing key (amqplib gives long strings as Buffers). */
function originOf(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}
