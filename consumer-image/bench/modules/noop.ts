// Benchmark module: a no-op handler; after `x-bench-warmup` messages it measures time and CPU to the
// `x-bench-total`-th message and reports them once.
import type { ConsumeContext, HareMessage } from '../../src/api.ts';
import { MeasurementWindow } from '../window.ts';

let window: MeasurementWindow | undefined;

export function consume(message: HareMessage, context: ConsumeContext): void {
  window ??= new MeasurementWindow(Number(message.headers['x-bench-warmup']), Number(message.headers['x-bench-total']));
  const bench = window.tick();
  if (bench !== undefined) context.logger.info({ bench }, 'bench done');
}
