// JSON logging (pino) with credential redaction on messages and errors.
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from './config.ts';
import { redactError } from './redact.ts';
import type { Redactor } from './redact.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly base: Readonly<Record<string, string | undefined>>;
  readonly redact: Redactor;
}

/** A pino logger to stdout: ISO time, `err`/`error` fields and string messages passed through the redactor. */
export function createLogger(options: LoggerOptions): Logger {
  const redactErr = (err: unknown): Record<string, unknown> => redactError(err, options.redact);
  return pino({
    level: options.level,
    base: Object.fromEntries(Object.entries(options.base).filter(([, v]) => v !== undefined)),
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: redactErr, error: redactErr },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((a) => (typeof a === 'string' ? options.redact(a) : a)) as typeof args;
        method.apply(this, redacted);
      },
    },
  });
}
