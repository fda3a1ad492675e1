// JSON logging (pino): one root logger, children per component. Nothing here reads the environment.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'hare-operator'): Logger {
  return pino({
    name,
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['uri', '*.uri', 'password', '*.password', 'authorization', '*.authorization'], censor: '[redacted]' },
  });
}

/** The message of any thrown value, with its cause chain, for log lines. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 4; depth++) {
    parts.push(e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': caused by: ');
}
