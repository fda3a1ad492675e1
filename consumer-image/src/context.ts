// The ConsumeContext handed to the module beside each message, bound to one broker session.
import { reject, retry } from './api.ts';
import type { ConsumeContext, PublishOptions } from './api.ts';
import type { Republisher } from './processor.ts';

/** The per-session part of the context; the helpers and publish are added by createContext. */
export type ContextInfo = Omit<ConsumeContext, 'retry' | 'reject' | 'publish'>;

/** A context whose publish goes through the given (confirming) publisher. */
export function createContext(info: ContextInfo, publisher: Republisher): ConsumeContext {
  return {
    ...info,
    retry,
    reject,
    publish: (exchange, routingKey, body, options) => {
      const publishing = send(publisher, exchange, routingKey, body, options);
      // also marks the promise handled: a handler that does not await a failing publish must not crash the process
      publishing.catch((err: unknown) => info.logger.warn({ err, exchange, routingKey }, 'context.publish failed'));
      return publishing;
    },
  };
}

async function send(publisher: Republisher, exchange: string, routingKey: string, body: Buffer | string | object, options: PublishOptions | undefined): Promise<void> {
  const { content, contentType } = encode(body);
  await publisher.publish(exchange, routingKey, content, publishOptions(options, contentType));
}

/** Bytes and default content type of a publish body: Buffer as is, string as UTF-8 text, anything else as JSON. */
export function encode(body: Buffer | string | object): { content: Buffer; contentType: string | undefined } {
  if (Buffer.isBuffer(body)) return { content: body, contentType: undefined };
  if (typeof body === 'string') return { content: Buffer.from(body, 'utf8'), contentType: 'text/plain; charset=utf-8' };
  const json = JSON.stringify(body) as string | undefined;
  if (json === undefined) throw new TypeError('publish body cannot be encoded as JSON');
  return { content: Buffer.from(json, 'utf8'), contentType: 'application/json' };
}

function publishOptions(options: PublishOptions | undefined, contentType: string | undefined): Record<string, unknown> {
  const { persistent = true, mandatory = true, ...rest } = options ?? {};
  const out: Record<string, unknown> = { ...rest, persistent, mandatory };
  if (out.contentType === undefined && contentType !== undefined) out.contentType = contentType;
  return out;
}
