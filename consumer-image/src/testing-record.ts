// The test kit's recorders: a pino logger whose lines land in an array, and a publisher that keeps what it was given.
import { pino } from 'pino';
import type { Logger } from './logger.ts';
import { decodeBody } from './decode.ts';
import type { Republisher } from './processor.ts';

/** One log line as pino writes it (level as a label, `msg`, the bound and passed fields). */
export interface LogEntry {
  readonly level: string;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

/** A context.publish as the runtime hands it to the broker: the bytes and the AMQP options it adds (persistent, mandatory, content type). */
export interface Published {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  /** The content decoded as a consumer would get it: parsed JSON for a JSON content type, else the bytes. */
  readonly body: unknown;
  readonly options: Readonly<Record<string, unknown>>;
}

/** Decides a publish: return (or resolve) to confirm it, throw (or reject) to fail it. */
export type PublishHook = (message: Published) => void | Promise<void>;

export function recordingLogger(): { logger: Logger; logs: LogEntry[] } {
  const logs: LogEntry[] = [];
  const stream = { write: (line: string): void => void logs.push(JSON.parse(line) as LogEntry) };
  const logger = pino({ level: 'debug', base: {}, timestamp: false, formatters: { level: (label) => ({ level: label }) } }, stream);
  return { logger, logs };
}

/** A confirming publisher that records each publish the hook lets through (a failed publish is not recorded). */
export function recordingPublisher(hook: PublishHook = () => undefined): { publisher: Republisher; published: Published[] } {
  const published: Published[] = [];
  const publisher: Republisher = {
    publish: async (exchange, routingKey, content, options) => {
      const message: Published = { exchange, routingKey, content, body: decodeBody(content, options.contentType), options: { ...options } };
      await hook(message);
      published.push(message);
    },
  };
  return { publisher, published };
}
