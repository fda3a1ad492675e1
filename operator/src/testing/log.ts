// A real pino logger whose JSON lines the test can read (for unit tests that check what was logged).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../log.ts';

export function capturedLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}
